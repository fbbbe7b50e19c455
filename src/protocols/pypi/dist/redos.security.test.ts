import { describe, expect, it } from "vitest";
import { MAX_RATIO, slowdown } from "../../../test-support/redos.js";
import { parseDistFilename } from "./filenames.js";
import { checkMetadataAgainstForm, parseCoreMetadata } from "./metadata.js";
import { assertValidProjectName, normalizeName, ultranormalizeName } from "./names.js";
import { validateRequiresPython } from "./specifiers.js";
import { compareVersions, parseVersion } from "./version.js";

// Regular-expression denial of service: every parser that sees upload input must do work linear in
// its length. Each case is ~100 KB of the shape that makes backtracking regexes quadratic (long
// whitespace or separator runs that are not at the end, repeated segments, a near-match that fails on
// its last character) and is timed as a ratio to a linear reference (test-support/redos.ts).
const N = 100_000;
const sp = " ".repeat(N);
const head = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
const metadata = (extra: string) => () => parseCoreMetadata(`${head}${extra}\n`);

const cases: Array<[string, (input: string) => unknown, string]> = [
  ["version: whitespace run inside", parseVersion, `1${sp}1`],
  ["version: mixed whitespace run before junk", parseVersion, `1${"\t\n\r\f\v ".repeat(N / 6)}x`],
  ["version: trailing whitespace run", parseVersion, `1${sp}`],
  ["version: repeated release segments", parseVersion, `${"1.".repeat(N / 2)}x`],
  ["version: repeated separators", parseVersion, `1${"-_.".repeat(N / 3)}`],
  ["version: long local label failing at the end", parseVersion, `1+${"a-".repeat(N / 2)}!`],
  ["version: digits failing at the end", parseVersion, `${"9".repeat(N)}!`],
  ["version: repeated pre-release labels", parseVersion, `1${".a".repeat(N / 2)}`],
  ["version comparison: whitespace run", (s) => compareVersions(s, "1.0"), `1${sp}1`],
  ["requires-python: whitespace after the operator", validateRequiresPython, `>=${sp}x`],
  ["requires-python: whitespace inside the version", validateRequiresPython, `>=1${sp}1`],
  ["requires-python: repeated commas", validateRequiresPython, `${",".repeat(N)}x`],
  ["requires-python: many clauses", validateRequiresPython, `${">=1,".repeat(N / 4)}x`],
  ["requires-python: long prefix match", validateRequiresPython, `==${"1.".repeat(N / 2)}*x`],
  ["requires-python: arbitrary equality", validateRequiresPython, `===${"a".repeat(N)})`],
  ["project name: separators failing at the end", assertValidProjectName, `${"a-".repeat(N / 2)}!`],
  ["project name normalization", normalizeName, `${"a-_.".repeat(N / 4)}`],
  ["project name ultranormalization", ultranormalizeName, `${"l-o.".repeat(N / 4)}`],
  ["file name: wheel with a long build tag", parseDistFilename, `a-1-${"1".repeat(N)}!-py3-none-any.whl`],
  ["file name: many dashes", parseDistFilename, `${"a-".repeat(N / 2)}1.tar.gz`],
  ["metadata: whitespace run before a line separator", metadata(`Summary:${sp}\u2028`), ""],
  ["metadata: URL with a space after the host", metadata(`Home-Page: http://${"a".repeat(N)} x`), ""],
  ["metadata: Project-URL with a space", metadata(`Project-URL: a, https://${"a".repeat(N)} x`), ""],
  [
    "metadata: version with a whitespace run",
    (s) => parseCoreMetadata(s),
    `Metadata-Version: 2.1\nName: demo\nVersion: 1${sp}1\n`,
  ],
  ["metadata: requires-python with a whitespace run", metadata(`Requires-Python: >=${sp}x`), ""],
  [
    "metadata: quoted content-type parameter",
    metadata(`Description-Content-Type: text/plain; charset="${'"'.repeat(N)}x`),
    "",
  ],
  ["metadata: many header lines", metadata("Classifier: x\n".repeat(N / 14)), ""],
  ["metadata: header name without a colon", metadata(`${"a".repeat(N)}\u2028`), ""],
  ["metadata: many continuation lines", metadata(`Description: x\n${"        |\n".repeat(N / 10)}`), ""],
  [
    "metadata against the form: whitespace run in the form version",
    (s) => checkMetadataAgainstForm(parseCoreMetadata(`${head}\n`), { name: "demo", version: s }),
    `1${sp}1`,
  ],
];

describe("PyPI parsers on adversarial input (ReDoS)", () => {
  it.each(cases)(
    "%s stays linear",
    (_name, parse, input) => {
      // Inputs built inside a closure carry their text there; time them on a same-sized string.
      const text = input === "" ? sp : input;
      expect(slowdown(input === "" ? () => parse(input) : parse, text)).toBeLessThan(MAX_RATIO);
    },
    120_000,
  );
});
