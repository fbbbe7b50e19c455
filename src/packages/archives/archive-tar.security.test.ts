/**
 * Hostile sdists: each test builds a real .tar.gz with the attack in it and checks it is refused
 * with a specific catalogue error and a message safe for an HTTP reason phrase.
 */
import { mkdtemp, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectSdist } from "./archive-tar.js";
import { buildSdist, type TarMember, writeTarGz, zeros } from "./test-fixtures.js";

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-dist-sec-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const META = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
const SAFE_MESSAGE = /^[\x20-\x7e]+$/;

function sdist(entries: TarMember[]): Promise<string> {
  return buildSdist(dir, { name: "foo", version: "1.0", filename: `s${n++}.tar.gz`, entries });
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; status: number }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { code: string; message: string; status: number };
    expect(err.message).toMatch(SAFE_MESSAGE);
    return err;
  }
  throw new Error("expected the archive to be refused");
}

describe("sdist: path traversal and links (tar slip)", () => {
  it.each([
    ["../evil", "ARCHIVE_UNSAFE_PATH"],
    ["foo-1.0/../../evil", "ARCHIVE_UNSAFE_PATH"],
    ["/etc/passwd", "ARCHIVE_UNSAFE_PATH"],
    ["foo-1.0\\..\\..\\evil", "ARCHIVE_UNSAFE_PATH"],
    ["C:/Windows/evil", "ARCHIVE_UNSAFE_PATH"],
  ])("refuses a member named %j", async (name, code) => {
    const path = await sdist([{ name, data: "pwned" }]);
    expect(await refusal(inspectSdist(path))).toMatchObject({ status: 400, code });
  });

  it.each([
    ["absolute target", [{ name: "foo-1.0/l", type: "symlink", linkname: "/etc/passwd" }]],
    ["escaping target", [{ name: "foo-1.0/l", type: "symlink", linkname: "../../etc/passwd" }]],
    ["target leaving the top directory", [{ name: "foo-1.0/l", type: "symlink", linkname: "../other" }]],
    ["'..' after a name", [{ name: "foo-1.0/l", type: "symlink", linkname: "foo/../../x" }]],
    [
      "chain through another link",
      [
        { name: "foo-1.0/d/", type: "directory" },
        { name: "foo-1.0/d/a", type: "symlink", linkname: ".." },
        { name: "foo-1.0/b", type: "symlink", linkname: "d/a/.." },
      ],
    ],
    [
      "member written through a symlink",
      [
        { name: "foo-1.0/l", type: "symlink", linkname: "foo" },
        { name: "foo-1.0/l/x.py", data: "through the link" },
      ],
    ],
    ["hard link outside", [{ name: "foo-1.0/h", type: "link", linkname: "../../etc/passwd" }]],
    ["absolute hard link", [{ name: "foo-1.0/h", type: "link", linkname: "/etc/passwd" }]],
    [
      "hard link to a later or missing file",
      [{ name: "foo-1.0/h", type: "link", linkname: "foo-1.0/nothing" }],
    ],
  ] as Array<[string, TarMember[]]>)("refuses a link with an %s", async (_what, entries) => {
    const err = await refusal(inspectSdist(await sdist(entries)));
    expect(err).toMatchObject({ status: 400, code: "ARCHIVE_UNSAFE_LINK" });
  });

  it.each(["fifo", "character-device", "block-device"] as const)("refuses a %s member", async (type) => {
    const err = await refusal(inspectSdist(await sdist([{ name: "foo-1.0/dev", type }])));
    expect(err).toMatchObject({ code: "ARCHIVE_UNSUPPORTED_MEMBER" });
  });

  it("refuses a duplicate PKG-INFO, however it is spelled, and a PKG-INFO that is a link", async () => {
    for (const name of ["foo-1.0/PKG-INFO", "./foo-1.0/PKG-INFO", "foo-1.0//PKG-INFO"]) {
      const dup = await sdist([{ name, data: META.replace("foo", "evil") }]);
      expect(await refusal(inspectSdist(dup))).toMatchObject({ code: "ARCHIVE_DUPLICATE_MEMBER" });
    }
    const link = await writeTarGz(join(dir, `s${n++}.tar.gz`), [
      { name: "foo-1.0/real", data: META },
      { name: "foo-1.0/PKG-INFO", type: "symlink", linkname: "real" },
    ]);
    expect(await refusal(inspectSdist(link))).toMatchObject({ code: "ARCHIVE_LAYOUT_INVALID" });
  });
});

describe("sdist: bombs, limits and corruption", () => {
  it("refuses a real gzip bomb (200 MB of zeros) and stops inflating early", async () => {
    const size = 200 * MiB;
    const path = await sdist([{ name: "foo-1.0/zeros.bin", data: { size, stream: () => zeros(size) } }]);
    expect((await stat(path)).size).toBeLessThan(MiB);
    const started = Date.now();
    const err = await refusal(inspectSdist(path));
    expect(err).toMatchObject({ code: "ARCHIVE_COMPRESSION_RATIO" });
    expect(err.message).toMatch(/possible gzip bomb/);
    // The cap is ~100x the file (~20 MB), so far less than 200 MB is inflated.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses more than 10,000 members", async () => {
    const entries = Array.from({ length: 10_001 }, (_, i) => ({ name: `foo-1.0/m${i}.py`, data: "" }));
    expect(await refusal(inspectSdist(await sdist(entries)))).toMatchObject({
      code: "ARCHIVE_TOO_MANY_MEMBERS",
    });
  });

  it("refuses a PKG-INFO larger than 1 MiB", async () => {
    const big = `${META}\n${Buffer.alloc(1.5 * MiB, "abcdefghijklmnopqrstuvwxyz0123456789").toString()}`;
    const path = await buildSdist(dir, {
      name: "foo",
      version: "1.0",
      filename: `s${n++}.tar.gz`,
      pkgInfo: big,
    });
    expect(await refusal(inspectSdist(path))).toMatchObject({ code: "METADATA_TOO_LARGE" });
  });

  it("refuses non-UTF-8 PKG-INFO", async () => {
    const path = await writeTarGz(join(dir, `s${n++}.tar.gz`), [
      { name: "foo-1.0/PKG-INFO", data: Buffer.from(`${META}Author: Ren\xe9\n`, "latin1") },
    ]);
    expect(await refusal(inspectSdist(path))).toMatchObject({ code: "METADATA_INVALID" });
  });

  it.each([0.5, 0.9])("refuses a .tar.gz truncated to %d of its size", async (fraction) => {
    const path = await buildSdist(dir, {
      name: "foo",
      version: "1.0",
      filename: `s${n++}.tar.gz`,
      members: { "data.txt": Buffer.alloc(64 * 1024, "some text that compresses a little ") },
    });
    await truncate(path, Math.floor((await stat(path)).size * fraction));
    expect(await refusal(inspectSdist(path))).toMatchObject({
      status: 400,
      code: "TAR_INVALID",
      message: "The file is not a valid gzip-compressed tar archive",
    });
  });

  it("refuses gzip-compressed data that is not a tar", async () => {
    const path = join(dir, `s${n++}.tar.gz`);
    await writeFile(path, gzipSync(Buffer.alloc(4096, "not a tar header ")));
    expect(await refusal(inspectSdist(path))).toMatchObject({ code: "TAR_INVALID" });
  });
});
