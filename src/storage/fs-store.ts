import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import {
  access,
  constants,
  copyFile,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore, ListedBlob, StagedBlob } from "./index.js";
import {
  type BlobContent,
  BlobNotFoundError,
  byteCounter,
  isFileContent,
  TEMP_SEGMENT,
  validateKey,
  validateRange,
} from "./keys.js";

function isErrno(e: unknown, ...codes: string[]): boolean {
  return e instanceof Error && codes.includes((e as NodeJS.ErrnoException).code ?? "");
}

/**
 * Blobs as plain files under `root`. Temp files live in `root/.tmp` rather than os.tmpdir() because
 * rename(2) is only atomic within one filesystem: a reader sees either no file or the whole file.
 */
const READ_CHUNK = 1024 * 1024;
// A small file gets a buffer of its own size, not 1 MiB (allocating that per download costs more than it saves).
const chunkFor = (size: number) => Math.max(16 * 1024, Math.min(READ_CHUNK, size));

/**
 * Depth-first walk yielding keys in ascending string order: entries are sorted with a directory named as
 * "name/", because that is how its keys compare with a sibling file ("a/x" sorts after "a-b", '/' > '-').
 * Only one directory listing per level is held in memory. The temp area is skipped.
 */
async function* walk(dir: string, prefix: string): AsyncGenerator<ListedBlob> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    if (isErrno(e, "ENOENT", "ENOTDIR")) return [];
    throw e;
  });
  const named = entries
    .filter((e) => !(prefix === "" && e.name === TEMP_SEGMENT) && (e.isDirectory() || e.isFile()))
    .map((e) => ({ e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  for (const { e } of named) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      yield* walk(path, `${prefix}${e.name}/`);
      continue;
    }
    // Gone since the listing (a concurrent delete): nothing to report.
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) yield { key: `${prefix}${e.name}`, size: info.size, modifiedAt: info.mtimeMs };
  }
}

/**
 * Moves a handed-over file into the temp area: a rename when both are on one filesystem (the upload
 * spool lives in the same data folder), else one copy and the source removed.
 */
async function adopt(file: string, tmpPath: string): Promise<number> {
  try {
    await rename(file, tmpPath);
  } catch (e) {
    if (!isErrno(e, "EXDEV")) throw e;
    await copyFile(file, tmpPath, constants.COPYFILE_EXCL);
    await rm(file, { force: true });
  }
  return (await stat(tmpPath)).size;
}

export function createFsBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const tmpDir = join(base, TEMP_SEGMENT);

  function pathOf(key: string): string {
    const full = resolve(base, validateKey(key));
    // Defence in depth behind validateKey: whatever slips through must still land under the root.
    if (!full.startsWith(base + sep))
      throw new Error(`Invalid blob key ${JSON.stringify(key)}: escapes the root`);
    return full;
  }

  return {
    kind: "fs",

    async stage(body: BlobContent): Promise<StagedBlob> {
      await mkdir(tmpDir, { recursive: true });
      const tmpPath = join(tmpDir, randomUUID());
      let size: number;
      try {
        if (isFileContent(body)) size = await adopt(body.file, tmpPath);
        else {
          const counter = byteCounter();
          // "wx": a name collision must fail rather than let two uploads share one temp file.
          await pipeline(body, counter.stage, createWriteStream(tmpPath, { flags: "wx" }));
          size = counter.count();
        }
      } catch (e) {
        await rm(tmpPath, { force: true });
        throw e;
      }
      let committed = false;
      return {
        size,
        async commit(key: string): Promise<void> {
          const dest = pathOf(key);
          if (committed) throw new Error("Staged blob already committed");
          await mkdir(dirname(dest), { recursive: true });
          await rename(tmpPath, dest);
          committed = true;
        },
        async discard(): Promise<void> {
          await rm(tmpPath, { force: true });
        },
      };
    },

    async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
      const path = pathOf(key);
      validateRange(range);
      // Open first and stat the handle, so a concurrent delete cannot slip between the check and the read.
      const handle = await open(path, "r").catch((e: unknown) => {
        throw isErrno(e, "ENOENT", "ENOTDIR") ? new BlobNotFoundError(`Blob not found: ${key}`) : e;
      });
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw new BlobNotFoundError(`Blob not found: ${key}`);
        // 1 MiB reads: the default 64 KiB costs a syscall and an event-loop turn per chunk (bench/pypi.mjs).
        if (!range) return handle.createReadStream({ highWaterMark: chunkFor(info.size) });
        // HTTP Range semantics (RFC 9110 §14.1.2): an end past the last byte is clamped; a start past it is
        // unsatisfiable.
        if (range.start >= info.size) {
          throw new RangeError(`Range start ${range.start} is beyond the blob's ${info.size} bytes`);
        }
        const end = Math.min(range.end ?? info.size - 1, info.size - 1);
        return handle.createReadStream({
          start: range.start,
          end,
          highWaterMark: chunkFor(end - range.start + 1),
        });
      } catch (e) {
        await handle.close();
        throw e;
      }
    },

    async stat(key: string): Promise<{ size: number; modifiedAt: number } | null> {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        return info.isFile() ? { size: info.size, modifiedAt: info.mtimeMs } : null;
      } catch (e) {
        if (isErrno(e, "ENOENT", "ENOTDIR")) return null;
        throw e;
      }
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (e) {
        if (!isErrno(e, "ENOENT", "ENOTDIR")) throw e;
      }
    },

    async sweepTemp(olderThanMs: number): Promise<number> {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
        const path = join(tmpDir, name);
        const info = await stat(path).catch(() => null);
        if (info && (olderThanMs <= 0 || info.mtimeMs <= cutoff)) {
          await rm(path, { force: true, recursive: true });
          removed++;
        }
      }
      return removed;
    },

    async *list(pageSize = 1000): AsyncGenerator<ListedBlob[]> {
      let page: ListedBlob[] = [];
      for await (const blob of walk(base, "")) {
        page.push(blob);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length) yield page;
    },

    async ping(): Promise<void> {
      // A read-only or missing volume is the failure /readyz must catch; creating the dir doubles as a probe.
      await mkdir(tmpDir, { recursive: true });
      await access(tmpDir, constants.R_OK | constants.W_OK);
    },
  };
}
