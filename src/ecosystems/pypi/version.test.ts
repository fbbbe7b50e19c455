import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.js";
import { canonicalVersion, compareVersions, isPrerelease, parseVersion } from "./version.js";

// Expected values produced by Python's packaging 26.2 (`str(Version(s))`), the reference pip uses.
const CANONICAL: Array<[string, string]> = [
  ["1.0", "1.0"],
  ["1.0.0", "1.0.0"],
  ["1.0.0-RC1", "1.0.0rc1"],
  ["v1.0", "1.0"],
  ["V1.0", "1.0"],
  ["1.0-post1", "1.0.post1"],
  ["1.0-1", "1.0.post1"],
  ["1.0post", "1.0.post0"],
  ["1.0.post", "1.0.post0"],
  ["1.0_post_2", "1.0.post2"],
  ["1.0.post-1", "1.0.post1"],
  ["1.0rev3", "1.0.post3"],
  ["1.0r4", "1.0.post4"],
  ["1.0a", "1.0a0"],
  ["1.0alpha1", "1.0a1"],
  ["1.0beta.2", "1.0b2"],
  ["1.0b-3", "1.0b3"],
  ["1.0c", "1.0rc0"],
  ["1.0c1", "1.0rc1"],
  ["1.0pre1", "1.0rc1"],
  ["1.0preview1", "1.0rc1"],
  ["1.0-rc.1", "1.0rc1"],
  ["1.0-a1", "1.0a1"],
  ["1.0_a1", "1.0a1"],
  ["1.0.a1", "1.0a1"],
  ["1.0.dev", "1.0.dev0"],
  ["1.0dev1", "1.0.dev1"],
  ["1.0-dev_2", "1.0.dev2"],
  ["1.0.DEV3", "1.0.dev3"],
  ["1!1.0", "1!1.0"],
  ["0!1.0", "1.0"],
  ["01!01.02.03", "1!1.2.3"],
  ["1.0+ABC.1", "1.0+abc.1"],
  ["1.0+abc-1_2", "1.0+abc.1.2"],
  ["1.0+001", "1.0+1"],
  ["1.0+local.007.x", "1.0+local.7.x"],
  ["1.0+1.a", "1.0+1.a"],
  [" 1.0 ", "1.0"],
  ["\t2.0\n", "2.0"],
  ["1.0a1.post2.dev3", "1.0a1.post2.dev3"],
  ["2024.01.05", "2024.1.5"],
  ["00", "0"],
  ["1.0.0.0.0", "1.0.0.0.0"],
  ["99999999999999999999.1", "99999999999999999999.1"],
];

const INVALID = [
  "",
  "1.0.0.dev-x",
  "a",
  "v",
  "1.0+",
  "1.0+abc..1",
  "1.0+abc_",
  "1.0.",
  "1..0",
  "1.0-",
  "-1.0",
  "1.0 a1",
  "1,0",
  "1.0.post1.post2",
  "1.0a1a2",
  "1.0dev1dev2",
  "1.0+ab c",
  "1.0~1",
  "1.0.*",
  "1.0+\u00e9",
  "\uff11.0", // fullwidth digit one
];

describe("canonicalVersion", () => {
  it.each(CANONICAL)("%j -> %s", (input, expected) => {
    expect(canonicalVersion(input)).toBe(expected);
  });

  it.each(INVALID)("refuses %j", (input) => {
    expect(() => parseVersion(input)).toThrow(AppError);
  });

  it("explains the refusal in one ASCII line", () => {
    try {
      parseVersion("1.0.0.dev-x");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      const err = e as AppError;
      expect(err.status).toBe(400);
      expect(err.code).toBe("VERSION_INVALID");
      expect(err.message).toBe("Invalid version '1.0.0.dev-x': not a valid PEP 440 version");
    }
    expect(() => parseVersion("1.0\r\nX-Injected: 1")).toThrow(/^[\x20-\x7e]+$/);
  });

  it("keeps numbers exact beyond 2^53", () => {
    expect(compareVersions("1.9007199254740993", "1.9007199254740992")).toBe(1);
  });
});

describe("compareVersions", () => {
  // Ascending per PEP 440; packaging sorts this list into exactly this order.
  const ORDER = [
    "1.0.dev0",
    "1.0a0",
    "1.0a1.dev0",
    "1.0a1",
    "1.0a1.post0.dev0",
    "1.0a1.post0",
    "1.0b1",
    "1.0rc1",
    "1.0",
    "1.0+abc",
    "1.0+abc.1",
    "1.0+1",
    "1.0.post0.dev0",
    "1.0.post0",
    "1.0.post1",
    "1.0.1",
    "1.1.dev1",
    "1.1",
    "2.0",
    "10.0",
    "1!0.1",
    "1!1.0",
  ];

  it("sorts a shuffled list into PEP 440 order", () => {
    const shuffled = [...ORDER].reverse();
    shuffled.push(shuffled.shift()!);
    expect(shuffled.sort(compareVersions)).toEqual(ORDER);
  });

  it("orders every adjacent pair both ways", () => {
    for (let i = 0; i + 1 < ORDER.length; i++) {
      expect(compareVersions(ORDER[i]!, ORDER[i + 1]!)).toBe(-1);
      expect(compareVersions(ORDER[i + 1]!, ORDER[i]!)).toBe(1);
    }
  });

  it.each([
    ["1.0", "1.0.0", 0],
    ["1.0.0.0", "1", 0],
    ["0!1.0", "1.0", 0],
    ["1.0rc1", "1.0c1", 0],
    ["1.0+1", "1.0+01", 0],
    ["v1.0", "1.0", 0],
    ["1.0", "1.0+0", -1],
    ["1.0+a", "1.0+1", -1],
    ["1.0+a.1", "1.0+a", 1],
    ["1.0+1.2", "1.0+1.10", -1],
    ["1.0+abc", "1.0+abd", -1],
    ["1.0.post1.dev1", "1.0.post1", -1],
    ["1.0a1.dev1", "1.0a1", -1],
    ["1.0a1", "1.0b0", -1],
    ["2.0", "10.0", -1],
    ["1.0.dev0", "1.0a0", -1],
  ] as const)("compare(%s, %s) = %i", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it("accepts parsed versions", () => {
    expect(compareVersions(parseVersion("1.0"), "1.0.post0")).toBe(-1);
  });
});

describe("isPrerelease", () => {
  it.each([
    ["1.0a1", true],
    ["1.0rc1", true],
    ["1.0.dev0", true],
    ["1.0.post1.dev0", true],
    ["1.0", false],
    ["1.0.post1", false],
    ["1.0+local", false],
  ] as const)("%s -> %s", (v, expected) => {
    expect(isPrerelease(v)).toBe(expected);
  });
});
