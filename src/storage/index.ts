import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Config } from "../config.js";
import { createFsBlobStore } from "./fs-store.js";
import { type BlobContent, validateKey } from "./keys.js";

export { type BlobContent, BlobNotFoundError, isFileContent, readAll } from "./keys.js";

export interface StagedBlob {
  /** Bytes written. */
  readonly size: number;
  /**
   * Make the staged bytes visible under `key` (fs: rename within the same filesystem; S3: CopyObject then
   * delete the temp). Overwrites an existing key.
   */
  commit(key: string): Promise<void>;
  /** Remove the staged temp object (idempotent, never throws for missing). */
  discard(): Promise<void>;
}

export interface BlobStore {
  readonly kind: "fs" | "s3";
  /**
   * Stream `body` into a temporary object; nothing is visible under a final key yet, and the body is never
   * held in memory whole. If the body stream errors, the temp is removed and the promise rejects.
   */
  stage(body: BlobContent): Promise<StagedBlob>;
  /**
   * Stream the object, optionally only bytes start..end inclusive (HTTP Range semantics: an end past the
   * last byte is clamped). Rejects with BlobNotFoundError when missing, RangeError when start is past the
   * end (HTTP 416).
   */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** `modifiedAt`: last write, epoch ms (the reconcile re-checks it just before deleting an orphan). */
  stat(key: string): Promise<{ size: number; modifiedAt: number } | null>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  /** Throws when the store is unreachable (used by /readyz). */
  ping(): Promise<void>;
  /**
   * Removes temporary objects older than `olderThanMs` (0: all of them, whatever their timestamps say):
   * what a crashed process (SIGKILL mid-upload) left behind. Returns how many were removed.
   */
  sweepTemp(olderThanMs: number): Promise<number>;
  /**
   * Every committed object (temporaries excluded), in pages of at most `pageSize`, in ascending order of
   * key by code unit (S3 ListObjectsV2 order; the filesystem walk sorts to match), so a caller can hold
   * one page at a time and compare it against database rows by key range (packages/reconcile.ts).
   */
  list(pageSize?: number): AsyncGenerator<ListedBlob[]>;
}

export interface ListedBlob {
  key: string;
  size: number;
  /** Last write, epoch ms: a fresh object may belong to an upload whose row has not committed yet. */
  modifiedAt: number;
}

/**
 * The filesystem under `<dataDir>/blobs` unless S3 is configured. The S3 SDK (~1 MB of JavaScript) is
 * imported only then, so a filesystem instance does not pay for it at start-up.
 */
export async function createBlobStore(config: Pick<Config, "dataDir" | "s3">): Promise<BlobStore> {
  // S3 bodies spool under the data dir (not os.tmpdir()) so the start-up sweep can find leftovers.
  return config.s3
    ? (await import("./s3-store.js")).createS3BlobStore(config.s3, {
        spoolDir: join(config.dataDir, "tmp", "s3-spool"),
      })
    : createFsBlobStore(join(config.dataDir, "blobs"));
}

/**
 * Stage `body`, run `work(staged, commitBlob)` (typically a DB transaction that inserts the row and calls
 * commitBlob() just before returning); on any failure the staged temp and any committed object are removed,
 * so a blob is only ever visible with its committed row.
 *
 * One exception to the removal: when the key already held an object before commitBlob (another row's
 * file, e.g. the same content-addressed key uploaded twice), it is left alone, because deleting it would
 * strand that other row. Keys that embed the content hash make the overwritten bytes identical anyway.
 */
export async function putWithRow<T>(
  store: BlobStore,
  body: BlobContent,
  key: string,
  work: (staged: StagedBlob, commitBlob: () => Promise<void>) => Promise<T>,
): Promise<T> {
  // Refuse a hostile key before spending a write on its body.
  validateKey(key);
  const staged = await store.stage(body);
  let wroteNewObject = false;
  const commitBlob = async (): Promise<void> => {
    const existed = (await store.stat(key)) !== null;
    // Set before the commit: a commit that fails half-way (S3 copy done, temp delete failed) has still
    // made the object visible and must be rolled back too.
    wroteNewObject = !existed;
    await staged.commit(key);
  };
  try {
    return await work(staged, commitBlob);
  } catch (e) {
    // Best effort: the caller needs the original error, not a cleanup failure.
    await staged.discard().catch(() => {});
    if (wroteNewObject) await store.delete(key).catch(() => {});
    throw e;
  }
}
