import { describe, expect, it } from "vitest";
import { filenameMatches, parseDistFilename } from "./filenames.js";

describe("parseDistFilename: wheels (PEP 427/491)", () => {
  it("parses a pure-Python wheel", () => {
    expect(parseDistFilename("foo_bar-1.0-py3-none-any.whl")).toEqual({
      kind: "wheel",
      name: "foo_bar",
      version: "1.0",
      pythonTag: "py3",
      abiTag: "none",
      platformTag: "any",
    });
  });

  it("parses build tags, compressed tag sets and local versions", () => {
    expect(parseDistFilename("Foo.Bar-1.0-1abc-py2.py3-none-any.whl")).toMatchObject({
      name: "Foo.Bar",
      buildTag: "1abc",
      pythonTag: "py2.py3",
    });
    expect(
      parseDistFilename("foo-1.0+local.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ).toMatchObject({
      version: "1.0+local.1",
      abiTag: "cp311",
      platformTag: "manylinux_2_17_x86_64.manylinux2014_x86_64",
    });
    expect(parseDistFilename("foo-1!2.0-py3-none-any.whl")).toMatchObject({ version: "1!2.0" });
    expect(parseDistFilename("foo-1.0_post1-py3-none-any.whl")).toMatchObject({ version: "1.0_post1" });
  });

  it.each([
    ["foo-1.0.whl", /a wheel is named/],
    ["foo-1.0-py3-none.whl", /a wheel is named/],
    ["foo-1.0-1-2-py3-none-any.whl", /a wheel is named/],
    ["foo-bar-1.0-py3-none-any.whl", /not a valid PEP 440 version/],
    ["foo__bar-1.0-py3-none-any.whl", /contains '__'/],
    ["_foo-1.0-py3-none-any.whl", /not a valid project name/],
    ["foo-1.0-abc-py3-none-any.whl", /build tag 'abc' must start with a digit/],
    ["foo-1.0-py3-none-any!.whl", /not a valid compatibility tag/],
    ["foo-1.0-py3--any.whl", /not a valid compatibility tag/],
    ["foo-1.0-py3-none-any.WHL", /extension must be lowercase/],
  ])("refuses %j", (filename, why) => {
    expect(() => parseDistFilename(filename)).toThrow(why);
  });
});

describe("parseDistFilename: sdists (PEP 625)", () => {
  it.each([
    ["foo_bar-1.0.tar.gz", "foo_bar", "1.0"],
    ["Foo-Bar-1.0.tar.gz", "Foo-Bar", "1.0"],
    ["foo-2.0rc1.tar.gz", "foo", "2.0rc1"],
    ["foo-1.0+local.tar.gz", "foo", "1.0+local"],
  ])("parses %j", (filename, name, version) => {
    expect(parseDistFilename(filename)).toEqual({ kind: "sdist", name, version });
  });

  it.each([
    ["foo.tar.gz", /an sdist is named/],
    ["-1.0.tar.gz", /an sdist is named/],
    ["foo-bar.tar.gz", /'bar' is not a valid PEP 440 version/],
    ["foo-.tar.gz", /'' is not a valid PEP 440 version/],
    ["foo!-1.0.tar.gz", /not a valid project name/],
  ])("refuses %j", (filename, why) => {
    expect(() => parseDistFilename(filename)).toThrow(why);
  });
});

describe("parseDistFilename: refused kinds and hostile names", () => {
  it.each([
    ["foo-1.0.zip", /zip sdists are no longer accepted/],
    ["foo-1.0-py3.8.egg", /eggs are no longer accepted/],
    ["foo-1.0.win32.exe", /Windows installers/],
    ["foo-1.0.msi", /Windows installers/],
    ["foo-1.0.tar.bz2", /must be .tar.gz/],
    ["foo-1.0.tgz", /must be .tar.gz/],
    ["foo-1.0.tar", /must be .tar.gz/],
    ["foo-1.0.rpm", /upload a wheel \(.whl\) or an sdist \(.tar.gz\)/],
    ["foo-1.0", /upload a wheel/],
  ])("refuses %j as an unsupported file type", (filename, why) => {
    expect(() => parseDistFilename(filename)).toThrow(why);
    expect(() => parseDistFilename(filename)).toThrow(
      expect.objectContaining({ code: "FILETYPE_UNSUPPORTED" }),
    );
  });

  it.each([
    ["", /it is empty/],
    ["../foo-1.0.tar.gz", /must not contain '\/'/],
    ["dir/foo-1.0.tar.gz", /must not contain '\/'/],
    ["..\\foo-1.0.tar.gz", /must not contain '\/' or '\\'/],
    ["foo-1.0.tar.gz\0.whl", /printable ASCII/],
    ["foo-1.0\r\n.tar.gz", /printable ASCII/],
    ["foo 1.0.tar.gz", /printable ASCII/],
    ["fóo-1.0.tar.gz", /printable ASCII/],
    [`${"a".repeat(250)}-1.0.tar.gz`, /longer than 255 characters/],
  ])("refuses %j", (filename, why) => {
    let message = "";
    try {
      parseDistFilename(filename);
    } catch (e) {
      expect(e).toMatchObject({ status: 400, code: "FILENAME_INVALID" });
      message = (e as Error).message;
    }
    expect(message).toMatch(why);
    // The message goes into an HTTP reason phrase: no CR/LF/NUL may survive.
    expect(message).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe("filenameMatches", () => {
  it("compares normalized names and canonical versions", () => {
    expect(() =>
      filenameMatches(parseDistFilename("foo_bar-1.0-py3-none-any.whl"), "Foo.Bar", "1.0"),
    ).not.toThrow();
    expect(() =>
      filenameMatches(parseDistFilename("Foo-Bar-1.0rc1.tar.gz"), "foo_bar", "1.0-RC1"),
    ).not.toThrow();
    expect(() =>
      filenameMatches(parseDistFilename("foo-1.0_post1-py3-none-any.whl"), "foo", "1.0.post1"),
    ).not.toThrow();
  });

  it("refuses another project's file", () => {
    expect(() => filenameMatches(parseDistFilename("foo-1.0.tar.gz"), "bar", "1.0")).toThrow(
      "The file name says 'foo 1.0' but the form says 'bar 1.0'",
    );
  });

  it("refuses another version's file, including trailing-zero and local differences", () => {
    const parsed = parseDistFilename("foo-1.0.tar.gz");
    expect(() => filenameMatches(parsed, "foo", "2.0")).toThrow(
      expect.objectContaining({ code: "FILENAME_MISMATCH" }),
    );
    expect(() => filenameMatches(parsed, "foo", "1.0.0")).toThrow(
      /says 'foo 1.0' but the form says 'foo 1.0.0'/,
    );
    expect(() => filenameMatches(parsed, "foo", "1.0+local")).toThrow(/FILENAME_MISMATCH|but the form says/);
  });

  it("refuses an invalid form name or version with their own errors", () => {
    const parsed = parseDistFilename("foo-1.0.tar.gz");
    expect(() => filenameMatches(parsed, "foo!", "1.0")).toThrow(
      expect.objectContaining({ code: "PROJECT_NAME_INVALID" }),
    );
    expect(() => filenameMatches(parsed, "foo", "one")).toThrow(
      expect.objectContaining({ code: "VERSION_INVALID" }),
    );
  });
});
