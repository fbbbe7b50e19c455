import { npmNameErrors } from "./errors.js";

/** Semantic Versioning 2.0.0 §2, §9, §10 (the regular expression the spec itself suggests). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const MAX_VERSION_LENGTH = 256;

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

function parse(v: string): SemVer | null {
  const m = v.length <= MAX_VERSION_LENGTH ? SEMVER.exec(v) : null;
  if (!m) return null;
  const nums = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (!nums.every(Number.isSafeInteger)) return null;
  return { major: nums[0], minor: nums[1], patch: nums[2], pre: m[4] ? m[4].split(".") : [] };
}

/**
 * The version as npm publishes it (semver.clean: build metadata dropped, since it does not change
 * precedence and `1.0.0+a` / `1.0.0+b` must not be two releases). Throws VERSION_INVALID otherwise.
 */
export function cleanVersion(raw: unknown): string {
  if (typeof raw !== "string" || !parse(raw)) {
    throw npmNameErrors.VERSION_INVALID(
      `Invalid version '${String(raw).slice(0, 100)}': use a semantic version such as 1.2.3 or 2.0.0-beta.1.`,
    );
  }
  return raw.replace(/\+.*$/, "");
}

export function isPrerelease(v: string): boolean {
  return (parse(v)?.pre.length ?? 0) > 0;
}

function comparePre(a: string[], b: string[]): number {
  if (!a.length || !b.length) return b.length - a.length; // a release sorts after its pre-releases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Semver precedence (§11); unparsable versions sort first. */
export function compareSemver(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return Number(Boolean(x)) - Number(Boolean(y));
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch || comparePre(x.pre, y.pre);
}

/** The highest release (not pre-release) version, else the highest version at all: the new `latest`. */
export function highestVersion(versions: string[]): string | null {
  const sorted = [...versions].sort(compareSemver);
  return sorted.filter((v) => !isPrerelease(v)).at(-1) ?? sorted.at(-1) ?? null;
}
