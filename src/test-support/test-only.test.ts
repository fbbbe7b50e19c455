import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The outbox reader and its MIME parser exist for tests only (an operator opens the .eml files in a
// mail client). Kept under test-support/, which tsconfig.build.json leaves out of dist/, they cannot be
// shipped, and a production import of them would break the build instead of going unnoticed.
const SRC = join(import.meta.dirname, "..");
const isTestOnly = (rel: string) =>
  rel.startsWith("test-support/") ||
  /\.test\.tsx?$/.test(rel) ||
  /(^|\/)test-(fixtures|helpers)\.ts$/.test(rel);

function productionFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => f.split("\\").join("/"))
    .filter((f) => !isTestOnly(f));
}

describe("test-only code", () => {
  it("is not part of the shipped source: no production file has or imports the MIME or outbox reader", () => {
    const offenders = productionFiles().filter((f) => {
      const text = readFileSync(join(SRC, f), "utf8");
      return /\bfrom "[^"]*\/(mime|test-support\/[^"]*)\.js"/.test(text) || /\breadOutbox\b/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
