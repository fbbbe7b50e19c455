/**
 * Hostile wheels: each test builds a real zip with the attack in it and checks it is refused with a
 * specific catalogue error and a message safe for an HTTP reason phrase.
 */
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectWheel } from "./archive-zip.js";
import {
  buildWheel,
  patchBytes,
  setDeclaredSizes,
  storedZip,
  writeZip,
  type ZipMember,
  zeros,
} from "./test-fixtures.js";

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
const WHEEL = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

/** A minimal valid wheel plus `extra` members. */
function wheel(extra: ZipMember[]): Promise<string> {
  const base: ZipMember[] = [
    { name: "foo/__init__.py", data: "" },
    { name: "foo-1.0.dist-info/METADATA", data: META },
    { name: "foo-1.0.dist-info/WHEEL", data: WHEEL },
    { name: "foo-1.0.dist-info/RECORD", data: "" },
  ];
  return writeZip(join(dir, `w${n++}.whl`), [...base, ...extra]);
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

describe("wheel: path traversal (zip slip)", () => {
  it.each([
    ["XX/evil", "../evil"],
    ["foo/XX/XX/evil", "foo/../../evil"],
    ["Xetc/evil", "/etc/evil"],
    ["XX_evil", "..\\evil"],
    ["CC/evil", "C:/evil"],
  ])("refuses a member named %j patched to %j", async (written, hostile) => {
    const path = await wheel([{ name: written, data: "pwned" }]);
    await patchBytes(path, written, hostile);
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ status: 400, code: "ARCHIVE_UNSAFE_PATH" });
  });

  it("refuses a symlink member (unzip would recreate it)", async () => {
    const path = await wheel([{ name: "foo/link", data: "/etc/passwd", mode: 0o120777 }]);
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_UNSUPPORTED_MEMBER" });
  });
});

describe("wheel: bombs and lying sizes", () => {
  it("refuses a real zip bomb: 200 MB of zeros deflated to ~200 KB", async () => {
    const path = await wheel([{ name: "foo/zeros.bin", data: () => zeros(200 * MiB) }]);
    expect((await stat(path)).size).toBeLessThan(MiB);
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ code: "ARCHIVE_COMPRESSION_RATIO" });
    expect(err.message).toMatch(/foo\/zeros.bin.*possible zip bomb/);
  });

  it("accepts well-compressed members below the 1 MiB threshold and incompressible large ones", async () => {
    const random = Buffer.alloc(2 * MiB);
    for (let i = 0; i < random.length; i += 4) random.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const path = await wheel([
      { name: "foo/small-zeros.bin", data: () => zeros(MiB) },
      { name: "foo/random.bin", data: random },
    ]);
    await expect(inspectWheel(path)).resolves.toMatchObject({ metadata: { name: "foo" } });
  });

  it("refuses a member declaring more than 1 GiB", async () => {
    const path = await wheel([{ name: "foo/big.bin", data: "x" }]);
    await setDeclaredSizes(path, "foo/big.bin", { uncompressed: 0xfffffff0, compressed: 0xfffffff0 });
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_MEMBER_TOO_LARGE" });
  });

  it("refuses members declaring more than 2 GiB in total", async () => {
    const names = ["foo/a.bin", "foo/b.bin", "foo/c.bin"];
    const path = await wheel(names.map((name) => ({ name, data: "x" })));
    for (const name of names)
      await setDeclaredSizes(path, name, { uncompressed: 900 * MiB, compressed: 900 * MiB });
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_TOO_LARGE" });
  });

  it("refuses more than 10,000 members from the central directory count", async () => {
    const members = Array.from({ length: 10_001 }, (_, i) => ({
      name: `foo/m${i}.py`,
      data: "",
      compress: false,
    }));
    const path = await wheel(members);
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_TOO_MANY_MEMBERS" });
  });

  it("refuses a METADATA larger than 1 MiB", async () => {
    const big = `${META}\n${Buffer.alloc(1.5 * MiB, "abcdefghijklmnopqrstuvwxyz").toString()}`;
    const path = await writeZip(join(dir, `w${n++}.whl`), [
      { name: "foo-1.0.dist-info/METADATA", data: big, compress: false },
      { name: "foo-1.0.dist-info/WHEEL", data: WHEEL },
      { name: "foo-1.0.dist-info/RECORD", data: "" },
    ]);
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "METADATA_TOO_LARGE" });
  });

  it("refuses a METADATA that inflates beyond the size it declares", async () => {
    const path = await wheel([]);
    await setDeclaredSizes(path, "foo-1.0.dist-info/METADATA", { uncompressed: 10 });
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ZIP_INVALID" });
  });
});

describe("wheel: ambiguity and corruption", () => {
  it("refuses two members with the same name (which METADATA would pip read?)", async () => {
    const path = await wheel([
      { name: "foo-1.0.dist-info/METADATA", data: "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n" },
    ]);
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_DUPLICATE_MEMBER" });
  });

  it.each(["./foo-1.0.dist-info/METADATA", "foo-1.0.dist-info//METADATA", "foo-1.0.dist-info/./METADATA"])(
    "refuses %j beside the real METADATA (an extractor would write one over the other)",
    async (name) => {
      const path = await wheel([{ name, data: "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n" }]);
      expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ARCHIVE_DUPLICATE_MEMBER" });
    },
  );

  it("keeps hostile names out of the message (no CR/LF header injection)", async () => {
    const name = "foo/a\r\nX-Injected: yes";
    const path = await wheel([
      { name, data: "" },
      { name, data: "" },
    ]);
    const err = await refusal(inspectWheel(path));
    expect(err.code).toBe("ARCHIVE_DUPLICATE_MEMBER");
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it("refuses a METADATA whose local header names another file", async () => {
    const path = await wheel([]);
    const buf = await readFile(path);
    const at = buf.indexOf("foo-1.0.dist-info/METADATA"); // first occurrence: the local header
    buf.write("foo-1.0.dist-info/METADATX", at);
    await writeFile(path, buf);
    expect(await refusal(inspectWheel(path))).toMatchObject({ code: "ZIP_INVALID" });
  });

  it("refuses a METADATA whose bytes fail the CRC-32 the zip declares", async () => {
    const path = await writeZip(join(dir, `w${n++}.whl`), [
      { name: "foo-1.0.dist-info/METADATA", data: META, compress: false },
      { name: "foo-1.0.dist-info/WHEEL", data: WHEEL },
      { name: "foo-1.0.dist-info/RECORD", data: "" },
    ]);
    await patchBytes(path, "Name: foo", "Name: bar");
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ code: "ZIP_INVALID" });
    expect(err.message).toMatch(/CRC-32/);
  });

  it("refuses a member whose Unicode Path extra field names another file than its raw name", async () => {
    // pip reads the raw name "foo-1.0.dist-info/METADATX"; yauzl would see ".../METADATA".
    const raw = Buffer.from("foo-1.0.dist-info/METADATX");
    const unicode = Buffer.from("foo-1.0.dist-info/METADATA");
    const extra = Buffer.alloc(9 + unicode.length);
    extra.writeUInt16LE(0x7075, 0);
    extra.writeUInt16LE(5 + unicode.length, 2);
    extra.writeUInt8(1, 4);
    extra.writeUInt32LE(crc32(raw) >>> 0, 5);
    unicode.copy(extra, 9);
    const path = join(dir, `w${n++}.whl`);
    await writeFile(
      path,
      storedZip([
        { name: raw, data: Buffer.from(META), extra },
        { name: Buffer.from("foo-1.0.dist-info/WHEEL"), data: Buffer.from(WHEEL) },
        { name: Buffer.from("foo-1.0.dist-info/RECORD"), data: Buffer.alloc(0) },
      ]),
    );
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ code: "ZIP_INVALID" });
    expect(err.message).toMatch(/has two names/);
  });

  it.each([
    ["encrypted", 8, 0x0001, /is encrypted/],
    ["bzip2-compressed", 10, 12, /unsupported compression method 12/],
  ])("refuses an %s member", async (_what, offset, value, why) => {
    const path = await wheel([]);
    const buf = await readFile(path);
    const header = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); // first central directory entry
    buf.writeUInt16LE(value, header + offset);
    await writeFile(path, buf);
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ code: "ARCHIVE_UNSUPPORTED_MEMBER" });
    expect(err.message).toMatch(why);
  });

  it.each([0.5, 0.98])("refuses a zip truncated to %d of its size", async (fraction) => {
    const path = await buildWheel(dir, { name: "foo", version: "1.0", filename: `t${n++}.whl` });
    await truncate(path, Math.floor((await stat(path)).size * fraction));
    expect(await refusal(inspectWheel(path))).toMatchObject({
      status: 400,
      code: "ZIP_INVALID",
      message: "The file is not a valid zip archive",
    });
  });

  it("refuses METADATA naming a Unicode look-alike project", async () => {
    const path = await buildWheel(dir, {
      name: "foo",
      version: "1.0",
      filename: `u${n++}.whl`,
      metadata: "Metadata-Version: 2.1\nName: f\u043eo\nVersion: 1.0\n",
    });
    const err = await refusal(inspectWheel(path));
    expect(err).toMatchObject({ code: "METADATA_INVALID" });
    expect(err.message).toMatch(/only ASCII/);
  });
});
