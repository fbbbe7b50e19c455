import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { killDigestWorkerForTests, warmDigestWorker } from "../../lib/digest-pool.js";
import { readPublishStream } from "./publish-stream.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-publish-stream-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The body cut into pieces of the given sizes (cycled), as a socket would deliver it. */
async function* pieces(text: string, sizes: number[]): AsyncGenerator<Buffer> {
  const all = Buffer.from(text);
  for (let at = 0, i = 0; at < all.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield all.subarray(at, at + n);
    at += n;
  }
}

const limits = { bodyBytes: 64 * 1024 * 1024, tooLarge: () => new Error("too large") };

function publishText(tarball: Buffer, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: "demo",
    versions: { "1.0.0": { name: "demo", version: "1.0.0", readme: 'a "quoted" readme \\ with escapes' } },
    _attachments: {
      "demo-1.0.0.tgz": {
        content_type: "application/octet-stream",
        data: tarball.toString("base64"),
        length: tarball.length,
      },
    },
    ...extra,
  });
}

describe("streaming an npm publish body", () => {
  for (const sizes of [[1], [3, 7, 1], [4096], [65_536]]) {
    it(`decodes the attachment to a file whatever the chunking (${sizes.join(",")})`, async () => {
      const tarball = randomBytes(sizes[0]! < 10 ? 30_001 : 300_001);
      const read = await readPublishStream(pieces(publishText(tarball), sizes), dir, limits);
      const body = read.body as {
        _attachments: Record<string, { data: string; length: number }>;
        versions: Record<string, { readme: string }>;
      };
      const att = read.attachments.get(body._attachments["demo-1.0.0.tgz"]!.data)!;
      expect(att.valid).toBe(true);
      expect(att.size).toBe(tarball.length);
      expect(await readFile(att.path)).toEqual(tarball);
      expect(att.digests.sha512).toEqual(createHash("sha512").update(tarball).digest());
      expect(att.digests.sha1).toBe(createHash("sha1").update(tarball).digest("hex"));
      expect(att.digests.sha256).toBe(createHash("sha256").update(tarball).digest("hex"));
      expect(att.head).toEqual(tarball.subarray(0, 18));
      // Everything else is the JSON it was, escapes and all.
      expect(body.versions["1.0.0"]!.readme).toBe('a "quoted" readme \\ with escapes');
      expect(body._attachments["demo-1.0.0.tgz"]!.length).toBe(tarball.length);
      await read.cleanup();
      expect(await readdir(dir)).toEqual([]);
    });
  }

  it("decodes exactly what Buffer.from decodes, for every length and any chunking", async () => {
    for (let n = 1; n < 40; n++) {
      const bytes = randomBytes(n);
      const read = await readPublishStream(pieces(publishText(bytes), [1 + (n % 5), 2, 11]), dir, limits);
      const [att] = read.attachments.values();
      expect(att!.valid, `length ${n}`).toBe(true);
      expect(await readFile(att!.path)).toEqual(bytes);
      await read.cleanup();
    }
  });

  it("keeps padding rules: one and two '=' at the end are fine, in the middle they are not", async () => {
    for (const n of [1, 2, 3]) {
      const bytes = randomBytes(n);
      const read = await readPublishStream(pieces(publishText(bytes), [2]), dir, limits);
      const [att] = read.attachments.values();
      expect(att!.valid).toBe(true);
      expect(await readFile(att!.path)).toEqual(bytes);
      await read.cleanup();
    }
    for (const data of ["QQ==QQ==", "QQ=A", "QQ===", "QQ", "QUJD*A==", "QUJDRA\\u003d\\u003d"]) {
      const text = `{"_attachments":{"x.tgz":{"data":"${data}"}}}`;
      const read = await readPublishStream(pieces(text, [3]), dir, limits);
      expect([...read.attachments.values()][0]!.valid, data).toBe(false);
      await read.cleanup();
    }
  });

  it("skips an escaped attachment (a sigstore bundle is JSON, not base64) and still parses the rest", async () => {
    const bundle = JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle+json", x: 'a"b' });
    const text = JSON.stringify({
      name: "demo",
      _attachments: { "demo.sigstore": { data: bundle }, "demo.tgz": { data: "QUJD" } },
    });
    const read = await readPublishStream(pieces(text, [5]), dir, limits);
    const body = read.body as { name: string; _attachments: Record<string, { data: string }> };
    expect(body.name).toBe("demo");
    expect(read.attachments.get(body._attachments["demo.sigstore"]!.data)!.valid).toBe(false);
    const tgz = read.attachments.get(body._attachments["demo.tgz"]!.data)!;
    expect(await readFile(tgz.path, "utf8")).toBe("ABC");
    await read.cleanup();
  });

  it("spools only _attachments.<key>.data: a 'data' key elsewhere stays in the JSON", async () => {
    const text = JSON.stringify({
      versions: { "1.0.0": { data: "QUJD" } },
      _attachments: { "a.tgz": { data: "QUJD", meta: { data: "x" } } },
    });
    const read = await readPublishStream(pieces(text, [2]), dir, limits);
    const body = read.body as {
      versions: Record<string, { data: string }>;
      _attachments: Record<string, { meta: { data: string } }>;
    };
    expect(body.versions["1.0.0"]!.data).toBe("QUJD");
    expect(body._attachments["a.tgz"]!.meta.data).toBe("x");
    expect(read.attachments.size).toBe(1);
    await read.cleanup();
  });

  it("a placeholder cannot be forged: the body's own strings never name a spooled file", async () => {
    const text = JSON.stringify({
      versions: { x: "\u0000wharf-attachment:guess:0" },
      _attachments: { "a.tgz": { data: "QUJD" } },
    });
    const read = await readPublishStream(pieces(text, [64]), dir, limits);
    const body = read.body as { versions: { x: string } };
    expect(read.attachments.has(body.versions.x)).toBe(false);
    await read.cleanup();
  });

  it("refuses prototype poisoning, broken JSON, a body cut in a string and an oversize body, leaving no file", async () => {
    const cases: [string, RegExp][] = [
      ['{"__proto__":{"x":1},"_attachments":{"a.tgz":{"data":"QUJD"}}}', /not valid JSON/],
      ['{"_attachments":{"a.tgz":{"data":"QUJD"}},}', /not valid JSON/],
      ['{"_attachments":{"a.tgz":{"data":"QUJD', /ended in the middle/],
    ];
    for (const [text, error] of cases) {
      await expect(readPublishStream(pieces(text, [4]), dir, limits)).rejects.toThrow(error);
      expect(await readdir(dir)).toEqual([]);
    }
    const big = publishText(randomBytes(200_000));
    await expect(
      readPublishStream(pieces(big, [4096]), dir, {
        bodyBytes: 100_000,
        tooLarge: () => new Error("too large"),
      }),
    ).rejects.toThrow("too large");
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("a digest worker dying during an npm publish", () => {
  for (const worker of [0, 1]) {
    it(`fails the publish and leaves no spool file behind (worker ${worker})`, async () => {
      expect(await warmDigestWorker()).toBe(true);
      const text = publishText(randomBytes(6 * 1024 * 1024));
      async function* body(): AsyncGenerator<Buffer> {
        let at = 0;
        for await (const piece of pieces(text, [65_536])) {
          at += piece.length;
          yield piece;
          if (at >= text.length / 2 && at - piece.length < text.length / 2)
            await killDigestWorkerForTests(worker);
        }
      }
      await expect(readPublishStream(body(), dir, limits)).rejects.toThrow(/Hashing the upload failed/);
      expect(await readdir(dir)).toEqual([]);
    });
  }
});
