import { describe, expect, it } from "vitest";
import {
  canonicalEmail,
  canonicalUsername,
  validateEmail,
  validateUsername,
} from "../../accounts/usernames.js";
import { parsePackageName, ultranormalizePackageName } from "../../ecosystems/npm/names.js";
import { cleanVersion, compareSemver } from "../../ecosystems/npm/semver.js";
import { excess } from "../../test-support/redos.js";
import { checkDistTag } from "./rules.js";

// Regular-expression denial of service on the npm and account parsers: ~100 KB inputs shaped to make
// a backtracking regex super-linear, timed as ratios to linear references (test-support/redos.ts).
// Most of these parsers cap the length before any regex runs; this keeps it that way.
const sp = (n: number) => " ".repeat(n);
const times = (s: string, n: number) => s.repeat(Math.max(1, Math.floor(n / s.length)));
const fold = (s: string) => ultranormalizePackageName({ name: s, scope: null, bare: s });

const cases: Array<[string, (input: string) => unknown, (n: number) => string]> = [
  ["package name: long scoped name", parsePackageName, (n) => `@${"a".repeat(n / 2)}/${"b".repeat(n / 2)}`],
  ["package name: many slashes", parsePackageName, (n) => `@${times("a/", n)}`],
  ["package name folding", fold, (n) => times("l-o.", n)],
  ["semver: long pre-release failing at the end", cleanVersion, (n) => `1.0.0-${times("a.", n)}!`],
  ["semver: long build metadata", cleanVersion, (n) => `1.0.0+${"+".repeat(n)}\nx`],
  ["semver comparison: long digits", (s) => compareSemver(s, "1.0.0"), (n) => `1.0.0-${times("0a", n)}-`],
  ["dist-tag: long name", checkDistTag, (n) => `a${"-".repeat(n)}!`],
  ["username: separators failing at the end", validateUsername, (n) => `${times("a.", n)}-`],
  ["username: whitespace run inside", validateUsername, (n) => `a${sp(n)}a`],
  ["username canonical form", canonicalUsername, (n) => "Ａ".repeat(n)],
  ["email: many dots in the domain", validateEmail, (n) => `a@${times("a.", n)}@`],
  ["email: whitespace run inside", validateEmail, (n) => `a@b${sp(n)}.c`],
  ["email canonical form", canonicalEmail, (n) => `${sp(n / 2)}a@b.c${sp(n / 2)}`],
];

describe("npm and account parsers on adversarial input (ReDoS)", () => {
  it.each(cases)(
    "%s stays linear",
    (_name, parse, make) => {
      expect(excess(parse, make)).toBeLessThan(1);
    },
    120_000,
  );
});
