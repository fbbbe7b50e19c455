import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ARCHIVE_LIMITS } from "../../lib/archive-limits.js";
import { inspectTarball, type TarballFile } from "./tarball.js";
import { ArrivingTarball } from "./tarball-arrival.js";
import { makeTarball } from "./test-fixtures.js";

const MiB = 1024 * 1024;

/** What the spool hands over once the body has ended: the first bytes and the size (no file is read). */
const asFile = (bytes: Buffer): TarballFile => ({
  head: bytes.subarray(0, 18),
  size: bytes.length,
  path: "",
});

/** Feeds `bytes` as the base64 sink does, in batches whose buffer is reused after each push. */
async function arrive(bytes: Buffer, arriving: ArrivingTarball, batch = 64 * 1024): Promise<void> {
  const reused = Buffer.alloc(batch);
  for (let at = 0; at < bytes.length; at += batch) {
    const n = bytes.copy(reused, 0, at, at + batch);
    await arriving.push(reused.subarray(0, n));
    reused.fill(0xee); // the walk must have taken a copy
  }
}

function slot() {
  const s = { released: 0, release: () => void s.released++ };
  return s;
}

describe("an npm tarball inspected while it arrives", () => {
  it("answers what the whole-file inspection answers, from bytes whose buffer is reused", async () => {
    const tarball = await makeTarball(
      { name: "demo", version: "1.2.3", main: "lib/index.js" },
      { "package/lib/index.js": "exports.x = 1;\n", "package/data.bin": randomBytes(MiB).toString("hex") },
    );
    const s = slot();
    const arriving = new ArrivingTarball(tarball.length, s.release);
    await arrive(tarball, arriving);
    expect(await arriving.finish(asFile(tarball))).toEqual(await inspectTarball(tarball));
    expect(s.released).toBe(1);
  });

  it("inflates while the bytes arrive, before the body has ended", async () => {
    const hex = randomBytes(2 * MiB).toString("hex");
    const tarball = await makeTarball({ name: "demo", version: "1.0.0" }, { "package/a.txt": hex });
    const arriving = new ArrivingTarball(tarball.length, () => {});
    await arrive(tarball, arriving);
    // Nothing has told it the body ended (finish), yet most of the 4 MiB member is inflated.
    for (let i = 0; i < 100 && arriving.inflated < 3 * MiB; i++) await new Promise((r) => setTimeout(r, 20));
    expect(arriving.inflated).toBeGreaterThanOrEqual(3 * MiB);
    expect((await arriving.finish(asFile(tarball))).files).toContain("a.txt");
  });

  it("refuses what is not gzip with the whole-file inspection's message", async () => {
    const junk = Buffer.from("not a tarball at all, just text\n".repeat(100));
    const arriving = new ArrivingTarball(junk.length, () => {});
    await arrive(junk, arriving);
    const expected = await inspectTarball(junk).catch((e: unknown) => e);
    await expect(arriving.finish(asFile(junk))).rejects.toEqual(expected);
  });

  it("refuses a truncated tarball as corrupt, as the whole-file inspection does", async () => {
    const tarball = await makeTarball(
      { name: "demo", version: "1.0.0" },
      { "package/r.bin": randomBytes(MiB).toString("hex") },
    );
    const cut = tarball.subarray(0, tarball.length - 5000);
    const arriving = new ArrivingTarball(cut.length, () => {});
    await arrive(cut, arriving);
    await expect(arriving.finish(asFile(cut))).rejects.toMatchObject({
      message: expect.stringMatching(/corrupt or truncated/),
    });
  });

  it("tightens the gzip-bomb cap to the tarball's exact size when the body ends", async () => {
    // 12 MiB of zeros compress ~1,000:1. The declared body is large (a long readme rode along), so
    // while it arrives the cap is 100x that bound and the walk finishes; the exact size refuses it.
    const tarball = gzipSync(tarOf(12 * MiB), { level: 9 });
    const s = slot();
    const arriving = new ArrivingTarball(4 * MiB, s.release);
    await arrive(tarball, arriving);
    await expect(arriving.finish(asFile(tarball))).rejects.toMatchObject({
      code: "TARBALL_TOO_LARGE",
      message: expect.stringMatching(/expands to more than 100 times its size \(possible gzip bomb\)/),
    });
    expect(s.released).toBe(1);
  });

  it("stops a bomb at the cap of the declared length while it is still arriving", async () => {
    const tarball = gzipSync(tarOf(64 * MiB), { level: 9 });
    const arriving = new ArrivingTarball(tarball.length, () => {});
    await arrive(tarball, arriving);
    await expect(arriving.finish(asFile(tarball))).rejects.toMatchObject({ code: "TARBALL_TOO_LARGE" });
    const cap = Math.max(ARCHIVE_LIMITS.compressionRatioMinSize, 100 * tarball.length);
    expect(arriving.inflated).toBeLessThanOrEqual(cap + 256 * 1024);
  });

  it("gives its inspection slot back when the body fails, and takes no more bytes", async () => {
    const tarball = await makeTarball(
      { name: "demo", version: "1.0.0" },
      { "package/r.bin": randomBytes(MiB).toString("hex") },
    );
    const s = slot();
    const arriving = new ArrivingTarball(tarball.length, s.release);
    await arriving.push(tarball.subarray(0, 100_000));
    arriving.abort();
    await arriving.push(tarball.subarray(100_000, 200_000)); // resolves: nothing waits on a stopped walk
    await new Promise((r) => setTimeout(r, 20));
    expect(s.released).toBe(1);
  });
});

/** An uncompressed tar: package.json and `zeros` bytes of zeros (gzip it for a bomb). */
function tarOf(zeros: number): Buffer {
  const header = (name: string, size: number) => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  const json = Buffer.from(JSON.stringify({ name: "demo", version: "1.0.0" }));
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  return Buffer.concat([
    header("package/package.json", json.length),
    json,
    pad(json.length),
    header("package/zeros.bin", zeros),
    Buffer.alloc(zeros),
    pad(zeros),
    Buffer.alloc(1024),
  ]);
}
