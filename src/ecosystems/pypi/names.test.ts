import { describe, expect, it } from "vitest";
import {
  assertValidProjectName,
  isValidProjectName,
  MAX_PROJECT_NAME_LENGTH,
  normalizeName,
  ultranormalizeName,
} from "./names.js";

describe("isValidProjectName", () => {
  it.each([
    "a",
    "A",
    "0",
    "requests",
    "Flask-SQLAlchemy",
    "zope.interface",
    "typing_extensions",
    "a.b-c_d",
    "X1",
  ])("accepts %j", (name) => {
    expect(isValidProjectName(name)).toBe(true);
    expect(() => assertValidProjectName(name)).not.toThrow();
  });

  it.each(["", "-a", "a-", ".a", "a.", "_a", "a_", "a b", "a/b", "a+b", "a@b", "a\nb", "réquests", "a\0"])(
    "refuses %j",
    (name) => {
      expect(isValidProjectName(name)).toBe(false);
      expect(() => assertValidProjectName(name)).toThrow();
    },
  );

  it("bounds the length", () => {
    expect(isValidProjectName("a".repeat(MAX_PROJECT_NAME_LENGTH))).toBe(true);
    expect(isValidProjectName("a".repeat(MAX_PROJECT_NAME_LENGTH + 1))).toBe(false);
    expect(() => assertValidProjectName("a".repeat(201))).toThrow(/at most 200 characters/);
  });

  it("refuses Unicode look-alikes with their own ASCII-only message", () => {
    // Cyrillic 'е' in "rеquests", the Kelvin sign (lowercases to ASCII 'k'), fullwidth letters.
    for (const name of ["r\u0435quests", "\u212aeras", "\uff52equests"]) {
      let message = "";
      try {
        assertValidProjectName(name);
      } catch (e) {
        expect(e).toMatchObject({ status: 400, code: "PROJECT_NAME_NOT_ASCII" });
        message = (e as Error).message;
      }
      expect(message).toMatch(/only ASCII letters, digits/);
      expect(message).toMatch(/^[\x20-\x7e]+$/);
    }
  });
});

describe("normalizeName (PEP 503)", () => {
  it.each([
    ["Django", "django"],
    ["Flask_SQLAlchemy", "flask-sqlalchemy"],
    ["zope.interface", "zope-interface"],
    ["a-_.-b", "a-b"],
    ["A__B..C--D", "a-b-c-d"],
    ["friendly-bard", "friendly-bard"],
    ["FRIENDLY-BARD", "friendly-bard"],
    ["friendly.bard", "friendly-bard"],
    ["friendly_bard", "friendly-bard"],
    ["friendly--bard", "friendly-bard"],
    ["FrIeNdLy-._.-bArD", "friendly-bard"],
  ])("%j -> %j", (name, expected) => {
    expect(normalizeName(name)).toBe(expected);
  });
});

describe("ultranormalizeName", () => {
  it.each([
    ["requests", "requests"],
    ["pillow", "p1110w"],
    ["PIL-LOW", "p1110w"],
    ["p1ll0w", "p1110w"],
    ["Django", "djang0"],
    ["foo-bar", "f00bar"],
    ["foo_bar", "f00bar"],
    ["foobar", "f00bar"],
    ["fo.o.bar", "f00bar"],
    ["i-l-1", "111"],
  ])("%j -> %j", (name, expected) => {
    expect(ultranormalizeName(name)).toBe(expected);
  });

  it("catches look-alike names that PEP 503 keeps apart", () => {
    const taken = ultranormalizeName("requests");
    for (const squat of ["reque-sts", "REQUESTS", "requ_ests", "req.uests"]) {
      expect(ultranormalizeName(squat)).toBe(taken);
    }
    expect(normalizeName("Iibrary")).not.toBe(normalizeName("library"));
    expect(ultranormalizeName("Iibrary")).toBe(ultranormalizeName("library"));
    expect(ultranormalizeName("g0ogle")).toBe(ultranormalizeName("google"));
  });

  it("does not fold beyond l/i/o (rn vs m stays distinct)", () => {
    expect(ultranormalizeName("modern")).not.toBe(ultranormalizeName("rnodern"));
  });
});
