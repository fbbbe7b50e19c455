import { describe, expect, it } from "vitest";
import { excess } from "../../test-support/redos.js";
import { parseDistFilename } from "./filenames.js";
import { checkMetadataAgainstForm, parseCoreMetadata } from "./metadata.js";
import { assertValidProjectName, normalizeName, ultranormalizeName } from "./names.js";
import { validateRequiresPython } from "./specifiers.js";
import { compareVersions, parseVersion } from "./version.js";

// Regular-expression denial of service: every parser that sees upload input must do work linear in
// its length. Each case is ~100 KB of the shape that makes backtracking regexes quadratic (long
// whitespace or separator runs that are not at the end, repeated segments, a near-match that fails on
// its last character), timed as ratios to linear references (test-support/redos.ts).
const sp = (n: number) => " ".repeat(n);
const times = (s: string, n: number) => s.repeat(Math.max(1, Math.floor(n / s.length)));
const head = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
const meta = (extra: (n: number) => string) => (n: number) => `${head}${extra(n)}\n`;

const cases: Array<[string, (input: string) => unknown, (n: number) => string]> = [
  ["version: whitespace run inside", parseVersion, (n) => `1${sp(n)}1`],
  ["version: mixed whitespace run before junk", parseVersion, (n) => `1${times("\t\n\r\f\v ", n)}x`],
  ["version: trailing whitespace run", parseVersion, (n) => `1${sp(n)}`],
  ["version: repeated release segments", parseVersion, (n) => `${times("1.", n)}x`],
  ["version: repeated separators", parseVersion, (n) => `1${times("-_.", n)}`],
  ["version: long local label failing at the end", parseVersion, (n) => `1+${times("a-", n)}!`],
  ["version: digits failing at the end", parseVersion, (n) => `${"9".repeat(n)}!`],
  ["version: repeated pre-release labels", parseVersion, (n) => `1${times(".a", n)}`],
  ["version comparison: whitespace run", (s) => compareVersions(s, "1.0"), (n) => `1${sp(n)}1`],
  ["requires-python: whitespace after the operator", validateRequiresPython, (n) => `>=${sp(n)}x`],
  ["requires-python: whitespace inside the version", validateRequiresPython, (n) => `>=1${sp(n)}1`],
  ["requires-python: repeated commas", validateRequiresPython, (n) => `${",".repeat(n)}x`],
  ["requires-python: many clauses", validateRequiresPython, (n) => `${times(">=1,", n)}x`],
  ["requires-python: long prefix match", validateRequiresPython, (n) => `==${times("1.", n)}*x`],
  ["requires-python: arbitrary equality", validateRequiresPython, (n) => `===${"a".repeat(n)})`],
  ["project name: separators failing at the end", assertValidProjectName, (n) => `${times("a-", n)}!`],
  ["project name normalization", normalizeName, (n) => times("a-_.", n)],
  ["project name ultranormalization", ultranormalizeName, (n) => times("l-o.", n)],
  [
    "file name: wheel with a long build tag",
    parseDistFilename,
    (n) => `a-1-${"1".repeat(n)}!-py3-none-any.whl`,
  ],
  ["file name: many dashes", parseDistFilename, (n) => `${times("a-", n)}1.tar.gz`],
  [
    "metadata: whitespace run before a line separator",
    parseCoreMetadata,
    meta((n) => `Summary:${sp(n)}\u2028`),
  ],
  [
    "metadata: URL with a space after the host",
    parseCoreMetadata,
    meta((n) => `Home-Page: http://${"a".repeat(n)} x`),
  ],
  [
    "metadata: Project-URL with a space",
    parseCoreMetadata,
    meta((n) => `Project-URL: a, https://${"a".repeat(n)} x`),
  ],
  [
    "metadata: version with a whitespace run",
    parseCoreMetadata,
    (n) => `Metadata-Version: 2.1\nName: demo\nVersion: 1${sp(n)}1\n`,
  ],
  [
    "metadata: requires-python with a whitespace run",
    parseCoreMetadata,
    meta((n) => `Requires-Python: >=${sp(n)}x`),
  ],
  [
    "metadata: quoted content-type parameter",
    parseCoreMetadata,
    meta((n) => `Description-Content-Type: text/plain; charset="${'"'.repeat(n)}x`),
  ],
  ["metadata: many multiple-use fields", parseCoreMetadata, meta((n) => times("Dynamic:x\n", n))],
  ["metadata: header name without a colon", parseCoreMetadata, meta((n) => `${"a".repeat(n)}\u2028`)],
  [
    "metadata: many continuation lines",
    parseCoreMetadata,
    meta((n) => `Description: x\n${times("        |\n", n)}`),
  ],
  [
    "metadata against the form: whitespace run in the form version",
    (s) => checkMetadataAgainstForm(parseCoreMetadata(`${head}\n`), { name: "demo", version: s }),
    (n) => `1${sp(n)}1`,
  ],
];

describe("PyPI parsers on adversarial input (ReDoS)", () => {
  it.each(cases)(
    "%s stays linear",
    (_name, parse, make) => {
      expect(excess(parse, make)).toBeLessThan(1);
    },
    120_000,
  );
});
