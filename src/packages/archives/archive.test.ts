import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "./archive.js";
import { inspectSdist } from "./archive-tar.js";
import { inspectWheel } from "./archive-zip.js";
import { buildSdist, buildWheel, writeTarGz, writeZip } from "./test-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-dist-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const WHEEL = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
const meta = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;

describe("LIMITS", () => {
  it("has the documented defaults and cannot be changed at run time", () => {
    expect(LIMITS).toEqual({
      maxMembers: 10_000,
      maxMemberSize: 1024 ** 3,
      maxTotalSize: 2 * 1024 ** 3,
      maxCompressionRatio: 100,
      compressionRatioMinSize: 1024 ** 2,
      maxMetadataSize: 1024 ** 2,
    });
    expect(Object.isFrozen(LIMITS)).toBe(true);
  });
});

describe("inspectWheel", () => {
  it("returns METADATA of a wheel pip installs", async () => {
    const path = await buildWheel(dir, {
      name: "Foo.Bar",
      version: "1.0",
      metadataExtra: "Classifier: Topic :: Utilities",
    });
    const result = await inspectWheel(path, { expect: { name: "foo-bar", version: "1.0" } });
    expect(result.metadata).toMatchObject({
      metadataVersion: "2.1",
      name: "Foo.Bar",
      version: "1.0",
      requiresPython: ">=3.8",
      classifiers: ["Topic :: Utilities"],
      description: "# Foo.Bar\n\nA test package.\n",
    });
    expect(result.metadataText).toMatch(/^Metadata-Version: 2.1\nName: Foo.Bar\n/);
    expect(result.metadataBytes.toString("utf8")).toBe(result.metadataText);
  });

  it("works without an expected name (checks the directory against METADATA only)", async () => {
    const path = await buildWheel(dir, { name: "solo", version: "2.0rc1" });
    expect((await inspectWheel(path)).metadata.version).toBe("2.0rc1");
  });

  it("refuses a wheel whose file name names another release", async () => {
    const path = await buildWheel(dir, { name: "foo", version: "1.0", filename: "x1.whl" });
    await expect(inspectWheel(path, { expect: { name: "bar", version: "1.0" } })).rejects.toMatchObject({
      code: "FILENAME_MISMATCH",
      message: "The archive directory 'foo-1.0.dist-info' does not match the file name 'bar 1.0'",
    });
    await expect(inspectWheel(path, { expect: { name: "foo", version: "1.1" } })).rejects.toMatchObject({
      code: "FILENAME_MISMATCH",
    });
  });

  it("refuses a wheel whose METADATA name or version disagrees with its .dist-info directory", async () => {
    const named = await buildWheel(dir, {
      name: "foo",
      version: "1.0",
      filename: "x2.whl",
      metadata: meta("bar", "1.0"),
    });
    await expect(inspectWheel(named, { expect: { name: "foo", version: "1.0" } })).rejects.toMatchObject({
      status: 400,
      code: "METADATA_MISMATCH",
      message: "The archive directory 'foo-1.0.dist-info' does not match its metadata 'bar 1.0'",
    });
    const versioned = await buildWheel(dir, {
      name: "foo",
      version: "1.0",
      filename: "x3.whl",
      metadata: meta("foo", "1.0.1"),
    });
    await expect(inspectWheel(versioned)).rejects.toMatchObject({ code: "METADATA_MISMATCH" });
  });

  it("refuses wheels without exactly one .dist-info directory holding METADATA, WHEEL and RECORD", async () => {
    const none = await writeZip(join(dir, "none.whl"), [{ name: "foo/__init__.py", data: "" }]);
    await expect(inspectWheel(none)).rejects.toMatchObject({ code: "METADATA_MISSING" });
    const noMeta = await writeZip(join(dir, "nometa.whl"), [
      { name: "foo-1.0.dist-info/WHEEL", data: WHEEL },
      { name: "foo-1.0.dist-info/RECORD", data: "" },
    ]);
    await expect(inspectWheel(noMeta)).rejects.toThrow("The wheel has no foo-1.0.dist-info/METADATA file");
    const nested = await writeZip(join(dir, "nested.whl"), [
      { name: "pkg/foo-1.0.dist-info/METADATA", data: meta("foo", "1.0") },
    ]);
    await expect(inspectWheel(nested)).rejects.toMatchObject({ code: "METADATA_MISSING" });
    const two = await buildWheel(dir, {
      name: "foo",
      version: "1.0",
      filename: "two.whl",
      members: { "other-1.0.dist-info/METADATA": meta("other", "1.0") },
    });
    await expect(inspectWheel(two)).rejects.toMatchObject({ code: "ARCHIVE_LAYOUT_INVALID" });
    const noWheel = await writeZip(join(dir, "nowheel.whl"), [
      { name: "foo-1.0.dist-info/METADATA", data: meta("foo", "1.0") },
      { name: "foo-1.0.dist-info/RECORD", data: "" },
    ]);
    await expect(inspectWheel(noWheel)).rejects.toThrow("The wheel has no foo-1.0.dist-info/WHEEL file");
  });

  it("refuses METADATA that is not UTF-8 or not valid core metadata", async () => {
    const latin1 = Buffer.concat([
      Buffer.from(meta("foo", "1.0")),
      Buffer.from("Author: Ren\xe9\n", "latin1"),
    ]);
    const bad = await writeZip(join(dir, "latin1.whl"), [
      { name: "foo-1.0.dist-info/METADATA", data: latin1 },
      { name: "foo-1.0.dist-info/WHEEL", data: WHEEL },
      { name: "foo-1.0.dist-info/RECORD", data: "" },
    ]);
    await expect(inspectWheel(bad)).rejects.toMatchObject({
      code: "METADATA_INVALID",
      message: "The METADATA file is not valid UTF-8",
    });
    const garbage = await buildWheel(dir, {
      name: "foo",
      version: "1.0",
      filename: "garbage.whl",
      metadata: "hello world\n",
    });
    await expect(inspectWheel(garbage)).rejects.toMatchObject({ code: "METADATA_INVALID" });
  });

  it("honours overridden limits", async () => {
    const path = await buildWheel(dir, { name: "foo", version: "1.0", filename: "limits.whl" });
    await expect(inspectWheel(path, { limits: { maxMembers: 3 } })).rejects.toMatchObject({
      code: "ARCHIVE_TOO_MANY_MEMBERS",
    });
    await expect(inspectWheel(path, { limits: { maxMetadataSize: 100 } })).rejects.toMatchObject({
      code: "METADATA_TOO_LARGE",
    });
    await expect(inspectWheel(path, { limits: { maxMemberSize: 50 } })).rejects.toMatchObject({
      code: "ARCHIVE_MEMBER_TOO_LARGE",
    });
    await expect(inspectWheel(path, { limits: { maxTotalSize: 300 } })).rejects.toMatchObject({
      code: "ARCHIVE_TOO_LARGE",
    });
  });

  it("refuses files that are not zips", async () => {
    const sdist = await buildSdist(dir, { name: "foo", version: "1.0", filename: "really-a-tar.whl" });
    await expect(inspectWheel(sdist)).rejects.toMatchObject({
      status: 400,
      code: "ZIP_INVALID",
      message: "The file is not a valid zip archive",
    });
    const empty = join(dir, "empty.whl");
    await writeFile(empty, "");
    await expect(inspectWheel(empty)).rejects.toMatchObject({ code: "ZIP_INVALID" });
  });
});

describe("I/O failures", () => {
  it("are not reported as bad uploads (they are the server's problem)", async () => {
    const missing = join(dir, "does-not-exist");
    await expect(inspectWheel(missing)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(inspectSdist(missing)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("inspectSdist", () => {
  it("returns PKG-INFO of an sdist pip builds", async () => {
    const path = await buildSdist(dir, {
      name: "Foo.Bar",
      version: "1.0",
      pkgInfoExtra: "Requires-Dist: requests",
    });
    const result = await inspectSdist(path, { expect: { name: "foo_bar", version: "1.0" } });
    expect(result.metadata).toMatchObject({ name: "Foo.Bar", version: "1.0", requiresDist: ["requests"] });
    expect(result.metadataText).toMatch(/^Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\n/);
    expect(result.metadataBytes.toString("utf8")).toBe(result.metadataText);
  });

  it("accepts a legacy (pre-PEP 625) top directory and links that stay inside", async () => {
    const path = await buildSdist(dir, {
      name: "Foo-Bar",
      version: "1.0",
      topDir: "Foo-Bar-1.0",
      filename: "Foo-Bar-1.0.tar.gz",
      entries: [
        { name: "Foo-Bar-1.0/docs/", type: "directory" },
        { name: "Foo-Bar-1.0/docs/init.py", type: "symlink", linkname: "../foo_bar/__init__.py" },
        { name: "Foo-Bar-1.0/docs/self", type: "symlink", linkname: "." },
        { name: "Foo-Bar-1.0/copy.py", type: "link", linkname: "Foo-Bar-1.0/foo_bar/__init__.py" },
      ],
    });
    const result = await inspectSdist(path, { expect: { name: "foo-bar", version: "1.0" } });
    expect(result.metadata.name).toBe("Foo-Bar");
  });

  it("accepts members spelled with a leading './' (tar -czf x.tar.gz .)", async () => {
    const path = await writeTarGz(join(dir, "dot.tar.gz"), [
      { name: "./", type: "directory" },
      { name: "./foo-1.0/", type: "directory" },
      { name: "./foo-1.0/PKG-INFO", data: meta("foo", "1.0") },
      { name: "./foo-1.0/setup.py", data: "" },
    ]);
    await expect(inspectSdist(path)).resolves.toMatchObject({ metadata: { name: "foo" } });
  });

  it("refuses an sdist whose PKG-INFO or directory names another release", async () => {
    const other = await buildSdist(dir, {
      name: "foo",
      version: "1.0",
      filename: "o1.tar.gz",
      pkgInfo: meta("bar", "1.0"),
    });
    await expect(inspectSdist(other)).rejects.toMatchObject({
      code: "METADATA_MISMATCH",
      message: "The archive directory 'foo-1.0' does not match its metadata 'bar 1.0'",
    });
    const path = await buildSdist(dir, { name: "foo", version: "1.0", filename: "o2.tar.gz" });
    await expect(inspectSdist(path, { expect: { name: "foo", version: "2.0" } })).rejects.toMatchObject({
      code: "FILENAME_MISMATCH",
    });
  });

  it("refuses an sdist without a single top directory holding PKG-INFO", async () => {
    const noPkgInfo = await writeTarGz(join(dir, "n1.tar.gz"), [{ name: "foo-1.0/setup.py", data: "" }]);
    await expect(inspectSdist(noPkgInfo)).rejects.toThrow("The sdist has no foo-1.0/PKG-INFO file");
    const deep = await writeTarGz(join(dir, "n2.tar.gz"), [
      { name: "foo-1.0/sub/PKG-INFO", data: meta("foo", "1.0") },
    ]);
    await expect(inspectSdist(deep)).rejects.toMatchObject({ code: "METADATA_MISSING" });
    const twoTops = await buildSdist(dir, {
      name: "foo",
      version: "1.0",
      filename: "n3.tar.gz",
      entries: [{ name: "other/file.py", data: "" }],
    });
    await expect(inspectSdist(twoTops)).rejects.toMatchObject({ code: "ARCHIVE_LAYOUT_INVALID" });
    const empty = await writeTarGz(join(dir, "n4.tar.gz"), []);
    await expect(inspectSdist(empty)).rejects.toThrow("The sdist is empty");
  });

  it("honours overridden limits", async () => {
    const path = await buildSdist(dir, { name: "foo", version: "1.0", filename: "l.tar.gz" });
    await expect(inspectSdist(path, { limits: { maxMembers: 4 } })).rejects.toMatchObject({
      code: "ARCHIVE_TOO_MANY_MEMBERS",
    });
    await expect(inspectSdist(path, { limits: { maxMetadataSize: 100 } })).rejects.toMatchObject({
      code: "METADATA_TOO_LARGE",
    });
    await expect(inspectSdist(path, { limits: { maxMemberSize: 100 } })).rejects.toMatchObject({
      code: "ARCHIVE_MEMBER_TOO_LARGE",
    });
    await expect(inspectSdist(path, { limits: { maxTotalSize: 300 } })).rejects.toMatchObject({
      code: "ARCHIVE_TOO_LARGE",
    });
  });

  it("refuses files that are not gzip-compressed tars", async () => {
    const wheel = await buildWheel(dir, { name: "foo", version: "1.0", filename: "really-a-zip.tar.gz" });
    await expect(inspectSdist(wheel)).rejects.toMatchObject({
      status: 400,
      code: "TAR_INVALID",
      message: "The file is not a valid gzip-compressed tar archive",
    });
    const empty = join(dir, "empty.tar.gz");
    await writeFile(empty, "");
    await expect(inspectSdist(empty)).rejects.toMatchObject({ code: "TAR_INVALID" });
  });
});
