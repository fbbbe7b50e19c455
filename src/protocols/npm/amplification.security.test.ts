import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARCHIVE_LIMITS } from "../../lib/archive-limits.js";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import { MAX_INSPECTIONS_PER_USER, withInspectionSlot } from "../../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";
import { inspectTarball } from "./tarball.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

// CPU and memory amplification (issue 11, item 11): a tarball that inflates 1,000:1 cost 5.5 s of
// server time and was accepted; and nothing bounded how many uploads one user had inspected at once.

const MiB = 1024 * 1024;

/** A real npm-style tarball whose second member is `zeros` bytes of zeros: about 1,000:1 at gzip -9. */
async function gzipBomb(zeros: number): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: "package/package.json" }, JSON.stringify({ name: "demo", version: "1.0.0" }));
  const entry = pack.entry({ name: "package/zeros.bin", size: zeros });
  const chunks: Buffer[] = [];
  const done = pipeline(pack, createGzip({ level: 9 }), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) chunks.push(c);
  });
  const block = Buffer.alloc(MiB);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!entry.write(block.subarray(0, Math.min(left, block.length))))
      await new Promise<void>((resolve) => entry.once("drain", () => resolve()));
  }
  entry.end(() => {});
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe("npm tarball inflation is bounded by the PyPI ratio rule", () => {
  it("stops inflating a 1,000:1 tarball at the ratio cap, long before its end (bounded work)", async () => {
    const unpacked = 64 * MiB;
    const bytes = await gzipBomb(unpacked);
    expect(unpacked / bytes.length).toBeGreaterThan(500);
    const meter = { inflated: 0 };
    await expect(inspectTarball(bytes, { meter })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/expands to more than 100 times its size/),
    });
    const cap = Math.max(
      ARCHIVE_LIMITS.compressionRatioMinSize,
      ARCHIVE_LIMITS.maxCompressionRatio * bytes.length,
    );
    // Work done: at most the cap plus what the stream had buffered when the cap tripped.
    expect(meter.inflated).toBeGreaterThan(cap);
    expect(meter.inflated).toBeLessThanOrEqual(cap + 256 * 1024);
    expect(meter.inflated / unpacked).toBeLessThan(0.15);
  });

  it("accepts repetitive content under the 1 MiB floor, and applies the absolute limit too", async () => {
    expect((await inspectTarball(await gzipBomb(900 * 1024))).unpackedSize).toBeGreaterThan(900 * 1024);
    const meter = { inflated: 0 };
    const limits = { maxCompressionRatio: 1e9, maxTotalSize: 2 * MiB };
    await expect(inspectTarball(await gzipBomb(8 * MiB), { limits, meter })).rejects.toMatchObject({
      message: expect.stringMatching(/unpacks to more than 2 MB/),
    });
    expect(meter.inflated).toBeLessThanOrEqual(2 * MiB + 256 * 1024);
  });
});

describe.each(testDatabases())("npm and twine uploads under amplification on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-amp-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });

  it("refuses a gzip-bomb publish with a clear body.error and stores nothing", async () => {
    const { auth } = await npmUser(t, "alice");
    const res = await put(
      "demo",
      await publishBody("demo", "1.0.0", { tarball: await gzipBomb(32 * MiB) }),
      auth,
    );
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatch(/expands to more than 100 times its size \(possible gzip bomb\)/);
    expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
  });

  /** Holds all of a user's inspection slots, as that many slow uploads in flight would. */
  function holdSlots(userId: string) {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = Array.from({ length: MAX_INSPECTIONS_PER_USER }, () =>
      withInspectionSlot(userId, () => gate),
    );
    return async () => {
      release();
      await Promise.all(held);
    };
  }

  it("answers an npm publish beyond the user's concurrent inspections with 429, others unaffected", async () => {
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    const release = holdSlots(alice.user.id);
    const res = await put("demo", await publishBody("demo", "1.0.0"), alice.auth);
    expect(res.statusCode, res.body).toBe(429);
    expect(res.json().error).toMatch(/already have 2 uploads being checked/);
    expect(res.headers["retry-after"]).toBe("5");
    expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
    expect((await put("other", await publishBody("other", "1.0.0"), bob.auth)).statusCode).toBe(201);
    await release();
    expect((await put("demo", await publishBody("demo", "1.0.0"), alice.auth)).statusCode).toBe(201);
  });

  it("answers a twine upload beyond the user's concurrent inspections with 429 and a reason twine shows", async () => {
    const { user, token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0" });
    const upload = async () => {
      const form = await twineForm(wheel, { name: "demo-pkg", version: "1.0" });
      return t.app.inject({
        method: "POST",
        url: "/legacy/",
        payload: form.payload,
        headers: { ...form.headers, authorization: basicAuth("__token__", token) },
      });
    };
    const release = holdSlots(user.id);
    const res = await upload();
    expect(res.statusCode).toBe(429);
    expect(res.statusMessage).toMatch(/already have 2 uploads being checked/);
    expect(await t.deps.db.selectFrom("files").select("id").execute()).toEqual([]);
    await release();
    expect((await upload()).statusCode).toBe(200);
  });
});
