import unhomoglyph from "unhomoglyph";

/**
 * The comparison key of a name for typosquat matching. Applied to the name as the client sent it, case
 * kept, so a capital 'I' standing for an 'l' (`jeIlyfish`) is seen before lower-casing hides it:
 *  1. Unicode's confusables skeleton (UTS #39 data, kept by the `unhomoglyph` package): 'I', '1' and '|'
 *     become 'l', '0' becomes 'O', 'm' becomes 'rn', and thousands of non-Latin look-alikes fold;
 *  2. lower case, then the skeleton again (a lower-cased 'M' must fold like 'm');
 *  3. 'i' folds with 'l' (indistinguishable in many fonts once lower-cased, as Warehouse's ultranormalize);
 *  4. separators go: '-', '_', '.', and npm's '@' and '/' (so `@types/foo` meets `types-foo`).
 * NFKC first, so fullwidth and compatibility forms meet their ASCII letters.
 */
export function typoKey(name: string): string {
  const skeleton = confusableSkeleton(confusableSkeleton(name.normalize("NFKC")).toLowerCase());
  return skeleton.replace(/i/g, "l").replace(SEPARATORS, "");
}

/**
 * The library matches one regular expression of ~6,000 alternatives at every position: fine for a short
 * name, ~1 ms per 100 characters. Valid PyPI and npm names are ASCII, so the library's answer for each
 * printable ASCII character is taken once, here, and ASCII names are mapped by table.
 */
const ASCII_SKELETON: string[] = Array.from({ length: 128 }, (_, c) =>
  c >= 0x20 && c < 0x7f ? unhomoglyph(String.fromCharCode(c)) : String.fromCharCode(c),
);

function confusableSkeleton(s: string): string {
  if (/[^\x20-\x7e]/.test(s)) return unhomoglyph(s);
  let out = "";
  for (let i = 0; i < s.length; i++) out += ASCII_SKELETON[s.charCodeAt(i)] ?? "";
  return out;
}

const SEPARATORS = /[-_.@/\s]+/g;

/** The name with its separators kept as one '-', lower-cased: where an affix ends is visible. */
export function separatedForm(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/^@/, "")
    .replace(/[-_./\s]+/g, "-");
}

/**
 * Words squatters glue to a popular name (`python3-dateutil`, `requests-python`, `node-lodash`,
 * `lodash-js`, `colorama-cli`). Matched only at a separator, so `pytest` is not `py` + `test`.
 */
export const PREFIXES = [
  "python3",
  "python2",
  "python",
  "py3",
  "py",
  "node",
  "nodejs",
  "js",
  "npm",
  "pypi",
  "the",
];
export const SUFFIXES = [
  "python3",
  "python",
  "py3",
  "py",
  "js",
  "node",
  "nodejs",
  "cli",
  "lib",
  "pkg",
  "sdk",
  "api",
  "core",
  "dev",
  "tool",
  "tools",
  "utils",
];

/** The stems left by removing one known prefix or suffix (each at a separator); empty when none applies. */
export function affixStems(name: string): string[] {
  const parts = separatedForm(name).split("-");
  if (parts.length < 2) return [];
  const stems: string[] = [];
  const first = parts[0] ?? "";
  const last = parts.at(-1) ?? "";
  if (PREFIXES.includes(first)) stems.push(parts.slice(1).join("-"));
  if (SUFFIXES.includes(last)) stems.push(parts.slice(0, -1).join("-"));
  return stems;
}

/** Runs of one letter collapsed (`reqquuests` -> `requests`'s own collapse): doubled-letter games. */
export function squeeze(key: string): string {
  return key.replace(/(.)\1+/g, "$1");
}
