import { describe, expect, it } from "vitest";
import { checkMetadataAgainstForm, parseCoreMetadata } from "./metadata.js";

const BASIC = [
  "Metadata-Version: 2.1",
  "Name: Foo-Bar",
  "Version: 1.0.0",
  "Summary: A thing that does",
  "  several things",
  "Home-page: https://example.org/foo",
  "Author: Ada",
  "Author-email: Ada <ada@example.org>",
  "License: MIT",
  "Keywords: a,b , c",
  "Project-URL: Source, https://github.com/x/foo",
  "Project-URL: Bug Tracker,https://github.com/x/foo/issues",
  "Classifier: Programming Language :: Python :: 3",
  "Classifier: License :: OSI Approved :: MIT License",
  "Requires-Python: >=3.8, <4",
  "Requires-Dist: requests (>=2.0)",
  "Requires-Dist: tomli; python_version < '3.11'",
  "Provides-Extra: test",
  "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM",
  "X-Unknown-Field: kept out",
  "X-Unknown-Field: even twice",
  "",
  "# Foo",
  "",
  "Body line.",
  "",
].join("\n");

describe("parseCoreMetadata", () => {
  it("parses headers, repeated fields, continuation lines and the body", () => {
    expect(parseCoreMetadata(BASIC)).toEqual({
      metadataVersion: "2.1",
      name: "Foo-Bar",
      version: "1.0.0",
      summary: "A thing that does several things",
      homePage: "https://example.org/foo",
      author: "Ada",
      authorEmail: "Ada <ada@example.org>",
      license: "MIT",
      keywords: "a,b , c",
      projectUrls: [
        { label: "Source", url: "https://github.com/x/foo" },
        { label: "Bug Tracker", url: "https://github.com/x/foo/issues" },
      ],
      classifiers: ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"],
      requiresPython: ">=3.8,<4",
      requiresDist: ["requests (>=2.0)", "tomli; python_version < '3.11'"],
      providesExtra: ["test"],
      descriptionContentType: "text/markdown; charset=UTF-8; variant=GFM",
      description: "# Foo\n\nBody line.\n",
    });
  });

  it("accepts CRLF line endings and case-insensitive field names", () => {
    const m = parseCoreMetadata("metadata-version: 1.0\r\nNAME: foo\r\nversion:1.0\r\n");
    expect(m).toMatchObject({ metadataVersion: "1.0", name: "foo", version: "1.0", requiresDist: [] });
    expect(m.description).toBeUndefined();
  });

  it("reads a multi-line Description header in distutils (8 spaces) and PEP 345 ('       |') styles", () => {
    const distutils =
      "Metadata-Version: 1.1\nName: foo\nVersion: 1\nDescription: First\n        second\n        \n          indented\n";
    expect(parseCoreMetadata(distutils).description).toBe("First\nsecond\n\n  indented");
    const pep345 =
      "Metadata-Version: 1.2\nName: foo\nVersion: 1\nDescription: First\n       |second\n       |\n       |  third\n";
    expect(parseCoreMetadata(pep345).description).toBe("First\nsecond\n\n  third");
  });

  it("treats distutils' UNKNOWN placeholders as absent", () => {
    const m = parseCoreMetadata(
      "Metadata-Version: 1.0\nName: foo\nVersion: 1\nHome-page: UNKNOWN\nAuthor: UNKNOWN\n",
    );
    expect(m.homePage).toBeUndefined();
    expect(m.author).toBeUndefined();
  });

  it.each([
    ["Name: foo\nVersion: 1\n", /no Metadata-Version/],
    ["Metadata-Version: 3.0\nName: foo\nVersion: 1\n", /Unsupported Metadata-Version '3.0'/],
    ["Metadata-Version: 2.1\nVersion: 1\n", /no Name field/],
    ["Metadata-Version: 2.1\nName: foo\n", /no Version field/],
    ["Metadata-Version: 2.1\nName: foo\nName: bar\nVersion: 1\n", /more than one 'Name' field/],
    ["Metadata-Version: 2.1\nName: foo\nVersion: 1\nversion: 2\n", /more than one 'version' field/],
    ["Metadata-Version: 2.1\nName: -foo\nVersion: 1\n", /Invalid metadata: invalid project name '-foo'/],
    ["Metadata-Version: 2.1\nName: f\u00f6o\nVersion: 1\n", /only ASCII letters/],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1.0.0.dev-x\n",
      /Invalid metadata: invalid version '1.0.0.dev-x'/,
    ],
    ["Metadata-Version: 2.1\nName: foo\nVersion: 1\nRequires-Python: >=3.6.*\n", /invalid Requires-Python/],
    [" Metadata-Version: 2.1\n", /starts with an indented line/],
    ["Metadata-Version: 2.1\nName foo\n", /Line 2 of the metadata is not a 'Name: value' header/],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1\nDescription: x\n\nbody\n",
      /both a Description field and a message body/,
    ],
    ["Metadata-Version: 2.1\nName: foo\nVersion: 1\nProject-URL: https://x.org\n", /expected 'Label, URL'/],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1\nProject-URL: Docs, javascript:alert(1)\n",
      /use an http or https URL/,
    ],
    ["Metadata-Version: 2.1\nName: foo\nVersion: 1\nHome-page: data:text/html,x\n", /Invalid Home-Page URL/],
    [
      `Metadata-Version: 2.1\nName: foo\nVersion: 1\nProject-URL: ${"x".repeat(33)}, https://x.org\n`,
      /label must be 1-32/,
    ],
    [`Metadata-Version: 2.1\nName: foo\nVersion: 1\nSummary: ${"x".repeat(513)}\n`, /longer than 512/],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1\nDescription-Content-Type: text/html\n",
      /Description-Content-Type/,
    ],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1\nDescription-Content-Type: text/plain; charset=latin-1\n",
      /charset=UTF-8/,
    ],
    [
      "Metadata-Version: 2.1\nName: foo\nVersion: 1\nDescription-Content-Type: text/markdown; variant=Wiki\n",
      /GFM or CommonMark/,
    ],
  ])("refuses %j", (text, why) => {
    let message = "";
    try {
      parseCoreMetadata(text);
    } catch (e) {
      expect(e).toMatchObject({ status: 400, code: "METADATA_INVALID" });
      message = (e as Error).message;
    }
    expect(message).toMatch(why);
    expect(message).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe("checkMetadataAgainstForm", () => {
  const metadata = parseCoreMetadata(BASIC);

  it("accepts the same release spelled differently", () => {
    expect(() => checkMetadataAgainstForm(metadata, { name: "foo_bar", version: "1.0.0" })).not.toThrow();
    expect(() =>
      checkMetadataAgainstForm(metadata, { name: "FOO.BAR", version: "v1.0.0", requiresPython: ">=3.8,<4" }),
    ).not.toThrow();
    expect(() =>
      checkMetadataAgainstForm(metadata, { name: "foo-bar", version: "1.0.0", requiresPython: "" }),
    ).not.toThrow();
  });

  it("refuses another name or version", () => {
    expect(() => checkMetadataAgainstForm(metadata, { name: "foo-baz", version: "1.0.0" })).toThrow(
      "The metadata says 'Foo-Bar 1.0.0' but the form says 'foo-baz 1.0.0'",
    );
    expect(() => checkMetadataAgainstForm(metadata, { name: "foo-bar", version: "1.0" })).toThrow(
      expect.objectContaining({ status: 400, code: "METADATA_MISMATCH" }),
    );
  });

  it("refuses a Requires-Python that differs from the metadata's", () => {
    expect(() =>
      checkMetadataAgainstForm(metadata, { name: "foo-bar", version: "1.0.0", requiresPython: ">=3.9" }),
    ).toThrow("The form says Requires-Python '>=3.9' but the metadata says '>=3.8,<4'");
    expect(() =>
      checkMetadataAgainstForm(metadata, { name: "foo-bar", version: "1.0.0", requiresPython: ">=3.6.*" }),
    ).toThrow(expect.objectContaining({ code: "REQUIRES_PYTHON_INVALID" }));
  });
});
