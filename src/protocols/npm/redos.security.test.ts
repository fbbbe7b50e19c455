import { describe, expect, it } from "vitest";
import {
  canonicalEmail,
  canonicalUsername,
  validateEmail,
  validateUsername,
} from "../../accounts/usernames.js";
import { MAX_RATIO, slowdown } from "../../test-support/redos.js";
import { parsePackageName, ultranormalizePackageName } from "./names.js";
import { checkDistTag } from "./rules.js";
import { cleanVersion, compareSemver } from "./semver.js";

// Regular-expression denial of service on the npm and account parsers: ~100 KB inputs shaped to make
// a backtracking regex super-linear, timed as a ratio to a linear reference (test-support/redos.ts).
// Most of these parsers cap the length before any regex runs; this keeps it that way.
const N = 100_000;
const sp = " ".repeat(N);

const cases: Array<[string, (input: string) => unknown, string]> = [
  ["package name: long scoped name", parsePackageName, `@${"a".repeat(N)}/${"b".repeat(N)}`],
  ["package name: many slashes", parsePackageName, `@${"a/".repeat(N / 2)}`],
  [
    "package name folding",
    (s) => ultranormalizePackageName({ name: s, scope: null, bare: s }),
    "l-o.".repeat(N / 4),
  ],
  ["semver: long pre-release failing at the end", cleanVersion, `1.0.0-${"a.".repeat(N / 2)}!`],
  ["semver: long build metadata", cleanVersion, `1.0.0+${"+".repeat(N)}\nx`],
  ["semver comparison: long digits", (s) => compareSemver(s, "1.0.0"), `1.0.0-${"0a".repeat(N / 2)}-`],
  ["dist-tag: long name", checkDistTag, `a${"-".repeat(N)}!`],
  ["username: separators failing at the end", validateUsername, `${"a.".repeat(N / 2)}-`],
  ["username: whitespace run inside", validateUsername, `a${sp}a`],
  ["username canonical form", canonicalUsername, "Ａ".repeat(N)],
  ["email: many dots in the domain", validateEmail, `a@${"a.".repeat(N / 2)}@`],
  ["email: whitespace run inside", validateEmail, `a@b${sp}.c`],
  ["email canonical form", canonicalEmail, `${sp}a@b.c${sp}`],
];

describe("npm and account parsers on adversarial input (ReDoS)", () => {
  it.each(cases)(
    "%s stays linear",
    (_name, parse, input) => {
      expect(slowdown(parse, input)).toBeLessThan(MAX_RATIO);
    },
    120_000,
  );
});
