import { randomBytes } from "node:crypto";
import { crc32, gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BlockStore, crc32Combine, cutBlocks, renderBlocks } from "./blocks.js";

/** A packument-like document: a head that changes on every write, many versions, a tail. */
function doc(versions: number, head = "head") {
  const parts = Array.from({ length: versions }, (_, i) =>
    Buffer.from(`"1.0.${i}":{"name":"demo","version":"1.0.${i}","x":"${"y".repeat(400)}${i}"},`),
  );
  return [
    { label: "head", parts: [Buffer.from(`{"_rev":"${head}","versions":{`)] },
    ...cutBlocks("versions", parts, 16 * 1024),
    { label: "tail", parts: [Buffer.from('"end":1}}')] },
  ];
}

describe("documents gzipped block by block", () => {
  it("combines CRC-32s as a CRC over the concatenation", () => {
    for (const [a, b] of [
      [randomBytes(1), randomBytes(1)],
      [randomBytes(1000), randomBytes(70_000)],
      [Buffer.alloc(0), randomBytes(33)],
      [randomBytes(5), Buffer.alloc(0)],
    ] as const) {
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    }
  });

  it("makes one gzip member that decompresses to exactly the body", async () => {
    const r = await renderBlocks(new BlockStore(), "d", doc(500), "application/json");
    expect(r.body.length).toBeGreaterThan(64 * 1024);
    expect(gunzipSync(r.gzip).equals(r.body)).toBe(true);
    expect(r.gzip.length).toBeLessThan(r.body.length / 5);
    // Blocks continuing a run are primed with the end of the one before: about the size of a whole gzip.
    expect(r.gzip.length).toBeLessThan(gzipSync(r.body).length * 1.1);
    JSON.parse(r.body.toString());
  });

  it("compresses again only the blocks whose bytes changed, and serves the same bytes as from scratch", async () => {
    const store = new BlockStore();
    await renderBlocks(store, "d", doc(500, "1"), "application/json");
    const first = store.compressed;
    expect(first).toBeGreaterThan(10);
    // An append: a new head, a changed last block, a new version.
    const after = await renderBlocks(store, "d", doc(501, "2"), "application/json");
    expect(store.compressed - first).toBeLessThanOrEqual(3);
    const scratch = await renderBlocks(undefined, "d", doc(501, "2"), "application/json");
    expect(after.body.equals(scratch.body)).toBe(true);
    expect(gunzipSync(after.gzip).equals(scratch.body)).toBe(true);
    expect(after.gzip.equals(scratch.gzip)).toBe(true);
    expect(after.etag).toBe(scratch.etag);
  });

  it("changes the ETag whenever any byte changes, wherever it is, and keeps it while none does", async () => {
    const store = new BlockStore();
    const base = doc(300);
    const tag = (await renderBlocks(store, "d", base, "t")).etag;
    expect((await renderBlocks(store, "d", doc(300), "t")).etag).toBe(tag);
    const seen = new Set([tag]);
    for (const at of [1, 7, base.length - 2]) {
      const changed = doc(300);
      const block = changed[at]!;
      const part = Buffer.from(block.parts[0]!);
      part.writeUInt8(part.readUInt8(part.length - 3) ^ 1, part.length - 3);
      block.parts[0] = part;
      const r = await renderBlocks(store, "d", changed, "t");
      expect(seen.has(r.etag)).toBe(false);
      seen.add(r.etag);
      expect(gunzipSync(r.gzip).equals(r.body)).toBe(true);
    }
    // The same bytes cut at other places are another rendering, but must still decompress right.
    const moved = await renderBlocks(
      store,
      "d",
      [{ label: "all", parts: doc(300).flatMap((b) => b.parts) }],
      "t",
    );
    expect(gunzipSync(moved.gzip).equals(moved.body)).toBe(true);
  });

  it("cuts blocks from the parts before each cut only, so appending leaves earlier blocks alone", () => {
    const parts = Array.from({ length: 100 }, (_, i) => Buffer.alloc(100 + i));
    const a = cutBlocks("v", parts, 1000);
    const b = cutBlocks("v", [...parts, Buffer.alloc(50)], 1000);
    expect(b.slice(0, -1).map((x) => x.parts.length)).toEqual(a.slice(0, -1).map((x) => x.parts.length));
    expect(a.every((x, i) => x.label === `v:${i}`)).toBe(true);
  });

  it("drops the least recently rendered documents beyond the byte budget", async () => {
    const store = new BlockStore(400 * 1024);
    for (const k of ["a", "b", "c"]) await renderBlocks(store, k, doc(500), "t");
    expect(store.size().docs).toBeLessThan(3);
    expect(store.size().bytes).toBeLessThanOrEqual(400 * 1024);
  });
});
