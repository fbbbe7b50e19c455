import { describe, expect, it } from "vitest";
import { parseCoreMetadata } from "./metadata.js";

// The caps of the /legacy/ form apply inside the archive too: METADATA / PKG-INFO fields are bounded
// before they are parsed, and U+0000 (which PostgreSQL cannot store, SQLite can) is refused everywhere.
const meta = (extra: string, version = "1.0") =>
  `Metadata-Version: 2.1\nName: demo\nVersion: ${version}\n${extra}\n`;
const refusal = (text: string) => {
  try {
    parseCoreMetadata(text);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error("accepted");
};

describe("core metadata limits", () => {
  const version128 = `1${".0".repeat(63)}1`; // 128 characters, valid PEP 440

  it("accepts a Version of 128 characters and refuses 129", () => {
    expect(version128).toHaveLength(128);
    expect(parseCoreMetadata(meta("", version128)).version).toBe(version128);
    expect(refusal(meta("", `${version128}0`))).toMatchObject({
      code: "METADATA_INVALID",
      message: "The Version is longer than 128 characters",
    });
  });

  it("refuses a Requires-Python longer than 512 characters", () => {
    expect(refusal(meta(`Requires-Python: >=3.8${",!=3.9.0".repeat(70)}`))).toMatchObject({
      code: "METADATA_INVALID",
      message: "The Requires-Python is longer than 512 characters",
    });
  });

  it.each([
    ["a header value", meta("Summary: nul\u0000here")],
    ["the description body", `${meta("")}\nbody with \u0000 inside\n`],
  ])("refuses U+0000 in %s", (_where, text) => {
    expect(refusal(text)).toMatchObject({
      code: "METADATA_INVALID",
      message: "The metadata contains a NUL character (U+0000)",
    });
  });

  it("unfolds a Description of 300,000 indented lines without overflowing the stack", () => {
    const text = meta(`Description: first\n${"  x\n".repeat(300_000)}`);
    expect(parseCoreMetadata(text).description?.length).toBe("first".length + 300_000 * 2);
  });
});
