import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomToken } from "../../lib/crypto.js";
import { uploadDigests } from "../../lib/digest-pool.js";
import { type AppError, isAppError } from "../../lib/errors.js";
import { spoolDir } from "../../lib/spool-dir.js";
import type { BlobContent } from "../../storage/index.js";
import { pypiErrors } from "./errors.js";

export { clearSpool, spoolDir } from "../../lib/spool-dir.js";

export interface Spooled {
  path: string;
  size: number;
  sha256: string;
  blake2b256: string;
  md5: string;
  /**
   * The file for the blob store to take over: a hard link to the spool file (free, and the store's
   * rename of it is not a copy), one per call because a publish retried after a race needs the bytes
   * again. Where links are not possible, a stream of the file.
   */
  handOver(): Promise<BlobContent>;
  remove(): Promise<void>;
}

/** PyPI's upload API and JSON API know a file by all three (twine sends them; `/pypi/<name>/json` shows them). */
const PYPI_DIGESTS = ["sha256", "md5", "blake2b256"] as const;

/** The multipart layer's own file-size ceiling (413), or a body that ended in the middle of the file. */
function bodyFailure(e: unknown, limitMessage: string): AppError {
  if ((e as { statusCode?: number }).statusCode === 413) return pypiErrors.FILE_TOO_LARGE(limitMessage);
  return pypiErrors.UPLOAD_INVALID(
    "The upload ended before the file was complete (malformed multipart body).",
  );
}

/**
 * Streams an upload to a temporary file, hashing it on the way (sha256, blake2b-256, md5) and
 * stopping at `limit` bytes, so the whole file is never held in memory and an oversize upload is
 * cut off as soon as it crosses the limit.
 */
export async function spoolUpload(
  dataDir: string,
  body: Readable,
  limit: number,
  limitMessage: string,
): Promise<Spooled> {
  await mkdir(spoolDir(dataDir), { recursive: true });
  const path = join(spoolDir(dataDir), `${randomToken(12)}.part`);
  // The event loop also parses the multipart body and writes the file (~0.5 ms/MiB): sha256 stays
  // here, md5 and BLAKE2b-256 go to one worker each (digest-pool.ts).
  const digests = await uploadDigests(PYPI_DIGESTS, { mainLoad: 0.5 });
  let size = 0;
  // An error of the incoming body (a truncated or malformed multipart body) is the client's doing
  // and answers 400; an error writing the spool file stays a server error.
  let bodyError: unknown;
  body.once("error", (e) => {
    bodyError = e;
  });
  // A failure of the hashing (a digest worker died) is the server's, though pipeline() also destroys
  // the body with it.
  let ownError: unknown;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(pypiErrors.FILE_TOO_LARGE(limitMessage));
      // The worker's share of the hashing pauses the stream when it falls behind (bounded memory).
      const wait = digests.update(chunk);
      if (wait)
        wait.then(
          () => done(null, chunk),
          (e: unknown) => {
            ownError = e;
            done(e as Error);
          },
        );
      else done(null, chunk);
    },
  });
  const out = createWriteStream(path, { mode: 0o600 });
  try {
    await pipeline(body, meter, out);
    // busboy marks a file cut off by its own limit instead of erroring.
    if ((body as Readable & { truncated?: boolean }).truncated) throw pypiErrors.FILE_TOO_LARGE(limitMessage);
  } catch (e) {
    // pipeline() rejects as soon as the body fails, possibly before the write stream has even opened
    // its file; removing it then would race the open and leave a stray .part behind. Wait for close.
    if (!out.closed) await new Promise<void>((done) => out.once("close", () => done()));
    await rm(path, { force: true });
    digests.drop();
    // The body may also have failed before this function started listening (it is then `errored`).
    if ((e === bodyError || e === body.errored) && e !== ownError && !isAppError(e))
      throw bodyFailure(e, limitMessage);
    throw e;
  }
  const digested = await digests.digest().catch(async (e: unknown) => {
    await rm(path, { force: true });
    throw e;
  });
  let handedOver = 0;
  return {
    path,
    size,
    ...digested,
    handOver: async () => {
      const linked = `${path}.${++handedOver}`;
      try {
        await link(path, linked);
        return { file: linked };
      } catch {
        return createReadStream(path);
      }
    },
    remove: () => rm(path, { force: true }),
  };
}
