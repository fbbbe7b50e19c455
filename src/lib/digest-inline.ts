import { type FileHandle, open, rm } from "node:fs/promises";
import { type Algorithm, createHashers, type Digested } from "./hashers.js";

/**
 * What an upload's digest stream offers (digest-pool.ts): the digests, and with `file` the bytes
 * written to that file on the way (the upload's spool, written once).
 */
export interface UploadDigests<A extends Algorithm = Algorithm> {
  /**
   * Feed the next chunk; a promise means "wait before sending more". The chunk may be reused once the
   * promise settled (at once when there is none).
   */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** The digests; with a file, once every byte is in it and it is closed. */
  digest(): Promise<Digested<A>>;
  /** The upload failed: forget this stream; with a file, close and delete it (resolves when done). */
  drop(): Promise<void>;
}

/** The spool file: created, never an existing one (the name is random), readable only by the server. */
export function createSpoolFile(path: string): Promise<FileHandle> {
  return open(path, "wx", 0o600);
}

export async function writeFully(fh: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.byteLength; ) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Every digest on the event loop, and the file written from it: the fallback when the digest workers
 * are not running (a CLI command, a test's app, workers that could not start). Slower, same result.
 */
export async function inlineDigests<A extends Algorithm>(
  algorithms: readonly A[],
  file: string | undefined,
): Promise<UploadDigests<A>> {
  const d = await createHashers(algorithms);
  const fh = file === undefined ? null : await createSpoolFile(file);
  let position = 0;
  let writing: Promise<void> = Promise.resolve();
  let dropped: Promise<void> | null = null;
  return {
    update: (chunk) => {
      d.update(chunk);
      if (!fh) return undefined;
      const at = position;
      position += chunk.byteLength;
      writing = writing.then(() => writeFully(fh, chunk, at));
      return writing;
    },
    digest: async () => {
      if (fh) {
        await writing;
        await fh.close();
      }
      return d.digest();
    },
    drop() {
      dropped ??= (async () => {
        if (!fh) return;
        await writing.catch(() => {});
        await fh.close().catch(() => {});
        await rm(file!, { force: true });
      })();
      return dropped;
    },
  };
}
