import { createReadStream } from "node:fs";
import { link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { randomToken } from "../../lib/crypto.js";
import { uploadDigests } from "../../lib/digest-pool.js";
import { type AppError, isAppError } from "../../lib/errors.js";
import { spoolDir } from "../../lib/spool-dir.js";
import type { BlobContent } from "../../storage/index.js";
import { ByteSource } from "./byte-source.js";
import { pypiErrors } from "./errors.js";
import type { FilePart } from "./multipart.js";

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

/** A body that ended (or broke off) in the middle of the file. */
function bodyFailure(): AppError {
  return pypiErrors.UPLOAD_INVALID(
    "The upload ended before the file was complete (malformed multipart body).",
  );
}

/** A plain stream (tests, other callers) read like a multipart file part. */
function filePart(body: FilePart | Readable): FilePart {
  if (!("on" in body)) return body;
  const source = new ByteSource(body);
  return {
    async pipeTo(sink) {
      for (;;) {
        const chunk = source.take() ?? (await source.wait());
        if (!chunk) return;
        const wait = sink(chunk);
        if (wait) await wait;
      }
    },
  };
}

/**
 * Streams an upload to a temporary file, hashing it on the way (sha256, blake2b-256, md5) and
 * stopping at `limit` bytes, so the whole file is never held in memory and an oversize upload is
 * cut off as soon as it crosses the limit.
 */
export async function spoolUpload(
  dataDir: string,
  body: FilePart | Readable,
  limit: number,
  limitMessage: string,
): Promise<Spooled> {
  await mkdir(spoolDir(dataDir), { recursive: true });
  const path = join(spoolDir(dataDir), `${randomToken(12)}.part`);
  // The event loop reads the socket and parses the multipart body: ~1.6 ms/MiB (0.8 s of its CPU per
  // 500 MiB twine upload besides sha256, bench/upload.mjs on the 2-core VM). So no digest stays here:
  // md5, BLAKE2b-256 and sha256 with the file writes go to a worker each (digest-pool.ts).
  const digests = await uploadDigests(PYPI_DIGESTS, { mainLoad: 1.6, file: path });
  let size = 0;
  // An error of the incoming body (a truncated or malformed multipart body) is the client's doing and
  // answers 400; a failure of the hashing or of the file writes (a digest worker died, the disk is full)
  // stays a server error.
  let ownError: unknown = null;
  try {
    // Straight from the body's chunks to the digests (which copy them into the workers' ring).
    await filePart(body).pipeTo((chunk) => {
      size += chunk.length;
      if (size > limit) {
        ownError = pypiErrors.FILE_TOO_LARGE(limitMessage);
        throw ownError;
      }
      // The workers' share holds the body when they fall behind (bounded memory).
      return digests.update(chunk)?.catch((e: unknown) => {
        ownError = e;
        throw e;
      });
    });
  } catch (e) {
    // Closes and deletes the file once no worker will write to it again.
    await digests.drop();
    if (e !== ownError && !isAppError(e)) throw bodyFailure();
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
