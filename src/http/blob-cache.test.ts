import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { BlobStore } from "../storage/index.js";
import { BlobCache } from "./blob-cache.js";

/** A store that counts reads: the cache's whole point is not to ask it again. */
function countingStore(blobs: Record<string, Buffer>) {
  const reads: string[] = [];
  const store = {
    get: async (key: string) => {
      reads.push(key);
      return Readable.from([blobs[key]!]);
    },
  } as unknown as BlobStore;
  return { store, reads };
}

describe("BlobCache", () => {
  it("reads a small blob once and serves the same bytes from memory afterwards", async () => {
    const { store, reads } = countingStore({ a: Buffer.from("alpha") });
    const cache = new BlobCache(16, 64);
    expect((await cache.read(store, "a", 5))?.toString()).toBe("alpha");
    expect((await cache.read(store, "a", 5))?.toString()).toBe("alpha");
    expect(reads).toEqual(["a"]);
  });

  it("leaves blobs over the per-entry limit to the caller to stream", async () => {
    const { store, reads } = countingStore({ big: Buffer.alloc(32) });
    const cache = new BlobCache(16, 64);
    expect(await cache.read(store, "big", 32)).toBeNull();
    expect(reads).toEqual([]);
  });

  it("keeps within its byte budget, dropping the least recently used first", async () => {
    const blobs = { a: Buffer.alloc(10, 1), b: Buffer.alloc(10, 2), c: Buffer.alloc(10, 3) };
    const { store, reads } = countingStore(blobs);
    const cache = new BlobCache(16, 25);
    await cache.read(store, "a", 10);
    await cache.read(store, "b", 10);
    await cache.read(store, "a", 10); // a is now the most recent
    await cache.read(store, "c", 10); // over 25 bytes: b goes
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toEqual(blobs.a);
    expect(cache.get("c")).toEqual(blobs.c);
    expect(reads).toEqual(["a", "b", "c"]);
  });
});
