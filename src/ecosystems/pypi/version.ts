import { distErrors, shown } from "./errors.js";

/**
 * A PEP 440 version. Numbers are bigints because PEP 440 puts no bound on them (date-and-time
 * versions such as 20240101123045 are common, longer ones exist) and a rounded number would make two
 * distinct versions compare equal.
 */
export interface Version {
  epoch: bigint;
  release: bigint[];
  pre?: { label: "a" | "b" | "rc"; number: bigint };
  post?: bigint;
  dev?: bigint;
  /** Local version label segments: numeric segments as bigint, others lowercased strings. */
  local?: Array<string | bigint>;
}

/**
 * The permissive PEP 440 grammar ("Appendix B: Parsing version strings with regular expressions"),
 * which accepts every spelling that normalizes to a valid version.
 */
const VERSION_PATTERN = new RegExp(
  "^v?" +
    "(?:(?<epoch>[0-9]+)!)?" +
    "(?<release>[0-9]+(?:\\.[0-9]+)*)" +
    "(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?" +
    "(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?" +
    "(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?" +
    "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$",
  "i",
);

/** Longest version accepted in an upload (form or METADATA), as Warehouse: bounds all parsing work. */
export const MAX_VERSION_LENGTH = 128;

const ASCII_WHITESPACE = new Set([" ", "\t", "\n", "\r", "\f", "\v"]);

/**
 * PEP 440 allows leading and trailing whitespace; only ASCII whitespace is trimmed. A loop, not a
 * regex: `/^\s+|\s+$/g` retries the trailing alternative at every position of a whitespace run that
 * is not at the end, which is quadratic ("1" + 40,000 spaces + "1" froze the server for 12 s).
 */
export function trimAsciiWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && ASCII_WHITESPACE.has(text[start]!)) start++;
  while (end > start && ASCII_WHITESPACE.has(text[end - 1]!)) end--;
  return text.slice(start, end);
}

const PRE_LABELS: Record<string, "a" | "b" | "rc"> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
};

/** Parses a PEP 440 version; throws VERSION_INVALID with the offending text otherwise. */
export function parseVersion(text: string): Version {
  const match = VERSION_PATTERN.exec(trimAsciiWhitespace(text));
  const g = match?.groups;
  if (!g?.release) {
    throw distErrors.VERSION_INVALID(`Invalid version '${shown(text)}': not a valid PEP 440 version`);
  }
  const version: Version = {
    epoch: BigInt(g.epoch ?? "0"),
    release: g.release.split(".").map((part) => BigInt(part)),
  };
  if (g.preL) {
    version.pre = { label: PRE_LABELS[g.preL.toLowerCase()]!, number: BigInt(g.preN ?? "0") };
  }
  if (g.post) version.post = BigInt(g.postN1 ?? g.postN2 ?? "0");
  if (g.dev) version.dev = BigInt(g.devN ?? "0");
  if (g.local) {
    // PEP 440 "Local version identifiers": '-' and '_' normalize to '.', numeric segments are integers.
    version.local = g.local
      .toLowerCase()
      .split(/[-_.]/)
      .map((segment) => (/^[0-9]+$/.test(segment) ? BigInt(segment) : segment));
  }
  return version;
}

/**
 * Versions compared lately, parsed once: sorting a 1,000-release project parses each version ~20 times
 * otherwise, and the index pages sort their project's releases on every re-render. Bounded; a parse
 * that throws is not kept.
 */
const parsed = new Map<string, Version>();

function asVersion(v: string | Version): Version {
  if (typeof v !== "string") return v;
  let p = parsed.get(v);
  if (!p) {
    p = parseVersion(v);
    if (parsed.size >= 50_000) parsed.clear();
    parsed.set(v, p);
  }
  return p;
}

/** The PEP 440 normalized form, e.g. "1.0.0-RC1" -> "1.0.0rc1", "v1.0" -> "1.0", "1.0-1" -> "1.0.post1". */
export function formatVersion(v: Version): string {
  let out = v.epoch !== 0n ? `${v.epoch}!` : "";
  out += v.release.join(".");
  if (v.pre) out += `${v.pre.label}${v.pre.number}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join(".")}`;
  return out;
}

export function canonicalVersion(v: string | Version): string {
  return formatVersion(asVersion(v));
}

/** PEP 440: a version is a pre-release if it has a pre-release or a development release segment. */
export function isPrerelease(v: string | Version): boolean {
  const version = asVersion(v);
  return version.pre !== undefined || version.dev !== undefined;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Release segments compare as if padded with zeros: PEP 440 says 1.0 == 1.0.0. */
function compareRelease(a: bigint[], b: bigint[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const c = compareBig(a[i] ?? 0n, b[i] ?? 0n);
    if (c !== 0) return c;
  }
  return 0;
}

const PRE_ORDER = { a: 0, b: 1, rc: 2 } as const;

/**
 * Rank of the pre-release part. A dev release of a final version sorts before its alphas
 * (1.0.dev0 < 1.0a0), a final or post release after its release candidates (1.0rc1 < 1.0).
 */
function preKey(v: Version): [number, bigint] {
  if (v.pre) return [PRE_ORDER[v.pre.label], v.pre.number];
  if (v.post === undefined && v.dev !== undefined) return [-1, 0n];
  return [3, 0n];
}

function compareLocal(a: Version["local"], b: Version["local"]): number {
  // A version without a local label sorts before the same version with one (1.0 < 1.0+abc).
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    // When one label is a prefix of the other, the longer one sorts later.
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (typeof x !== typeof y) return typeof x === "bigint" ? 1 : -1; // numeric > alphanumeric
    if (typeof x === "bigint" && typeof y === "bigint") {
      const c = compareBig(x, y);
      if (c !== 0) return c;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** PEP 440 ordering ("Summary of permitted suffixes and relative ordering"); -1, 0 or 1. */
export function compareVersions(a: string | Version, b: string | Version): number {
  const x = asVersion(a);
  const y = asVersion(b);
  const [xPreRank, xPreNumber] = preKey(x);
  const [yPreRank, yPreNumber] = preKey(y);
  return (
    compareBig(x.epoch, y.epoch) ||
    compareRelease(x.release, y.release) ||
    Math.sign(xPreRank - yPreRank) ||
    compareBig(xPreNumber, yPreNumber) ||
    // No post release sorts before any post release (1.0 < 1.0.post0).
    compareBig(x.post ?? -1n, y.post ?? -1n) ||
    // No dev release sorts after any dev release (1.0.post0.dev1 < 1.0.post0).
    (x.dev === undefined
      ? y.dev === undefined
        ? 0
        : 1
      : y.dev === undefined
        ? -1
        : compareBig(x.dev, y.dev)) ||
    compareLocal(x.local, y.local)
  );
}
