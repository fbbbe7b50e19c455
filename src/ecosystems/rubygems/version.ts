import { rubygemsNameErrors } from "./errors.js";

/**
 * Gem::Version (rubygems/version.rb, RubyGems 3.3): the grammar, the stored spelling (a '-' means
 * ".pre.", exactly as Gem::Version.new rewrites it), prerelease (any letter) and precedence (segments
 * of digits or letters; trailing zeros of the numeric and the lettered part ignored; a letter sorts
 * before a number, so 1.0.a < 1.0).
 */
const VERSION = /^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
export const MAX_GEM_VERSION_LENGTH = 64;

export function isValidGemVersion(version: string): boolean {
  const v = version.trim();
  return v.length > 0 && v.length <= MAX_GEM_VERSION_LENGTH && VERSION.test(v);
}

export function canonicalGemVersion(version: string): string {
  if (!isValidGemVersion(version)) {
    throw rubygemsNameErrors.VERSION_INVALID(
      `Invalid gem version '${version.slice(0, MAX_GEM_VERSION_LENGTH)}': use digits and letters separated by dots, such as 1.2.3 or 2.0.0.rc1.`,
    );
  }
  return version.trim().replaceAll("-", ".pre.");
}

export const isGemPrerelease = (version: string): boolean => /[A-Za-z]/.test(version);

type Segment = number | string;

function canonicalSegments(version: string): Segment[] {
  const segments: Segment[] = (version.replaceAll("-", ".pre.").match(/[0-9]+|[a-z]+/gi) ?? []).map((s) =>
    /^\d+$/.test(s) ? Number(s) : s,
  );
  const firstString = segments.findIndex((s) => typeof s === "string");
  const numeric = firstString === -1 ? segments : segments.slice(0, firstString);
  const lettered = firstString === -1 ? [] : segments.slice(firstString);
  const dropZeros = (xs: Segment[]) => {
    const out = [...xs];
    while (out.length > 0 && out[out.length - 1] === 0) out.pop();
    return out;
  };
  return [...dropZeros(numeric), ...dropZeros(lettered)];
}

export function compareGemVersions(a: string, b: string): number {
  const l = canonicalSegments(a);
  const r = canonicalSegments(b);
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const x = l[i] ?? 0;
    const y = r[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "string" && typeof y === "number") return -1;
    if (typeof x === "number" && typeof y === "string") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
