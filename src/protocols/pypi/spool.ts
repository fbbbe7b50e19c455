import { createReadStream } from "node:fs";
import { link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
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
  // The event loop reads the socket and parses the multipart body (~0.5 ms/MiB): sha256 stays here; md5
  // goes to one worker, BLAKE2b-256 to the other, which also writes the file (digest-pool.ts).
  const digests = await uploadDigests(PYPI_DIGESTS, { mainLoad: 0.5, file: path });
  let size = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      // An error of the incoming body (a truncated or malformed multipart body) is the client's doing
      // and answers 400; a failure of the hashing or of the file writes (a digest worker died, the disk
      // is full) stays a server error.
      const fail = (e: unknown, fromBody: boolean) => {
        if (failed) return;
        failed = true;
        body.off("data", onData);
        if (!fromBody) body.destroy();
        reject(fromBody && !isAppError(e) ? bodyFailure(e, limitMessage) : e);
      };
      // Straight from the parser's chunks to the digests (which copy them into the workers' ring): no
      // stream in between, one call per chunk.
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) return fail(pypiErrors.FILE_TOO_LARGE(limitMessage), false);
        // The workers' share pauses the body when they fall behind (bounded memory).
        const wait = digests.update(chunk);
        if (wait) {
          body.pause();
          wait.then(
            () => {
              if (!failed) body.resume();
            },
            (e: unknown) => fail(e, false),
          );
        }
      };
      body.on("data", onData);
      body.once("end", () => {
        if (failed) return;
        // busboy marks a file cut off by its own limit instead of erroring.
        if ((body as Readable & { truncated?: boolean }).truncated)
          return fail(pypiErrors.FILE_TOO_LARGE(limitMessage), false);
        resolve();
      });
      body.once("error", (e) => fail(e, true));
      // The body may also have failed before this function started listening.
      if (body.errored) fail(body.errored, true);
    });
  } catch (e) {
    // Closes and deletes the file once no worker will write to it again.
    await digests.drop();
    throw e;
  }
  const digested = await digests.digest().catch(async (e: unknown) => {
    await digests.drop();
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
