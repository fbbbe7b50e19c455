import { rubygemsNameErrors } from "./errors.js";

/**
 * Gem names as RubyGems' own specification policy accepts them (rubygems/specification_policy.rb,
 * validate_name): letters, digits, '.', '-', '_', at least one letter, not starting with a special
 * character. The registry adds a length cap so that a name fits in URLs and file names.
 */
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_GEM_NAME_LENGTH = 128;

export function isValidGemName(name: string): boolean {
  return name.length <= MAX_GEM_NAME_LENGTH && VALID_NAME.test(name) && /[A-Za-z]/.test(name);
}

export function assertValidGemName(name: string): void {
  if (!isValidGemName(name)) {
    throw rubygemsNameErrors.NAME_INVALID(
      `Invalid gem name '${name.slice(0, MAX_GEM_NAME_LENGTH)}': use letters, digits, '.', '-' and '_', include a letter, and do not start with '.', '-' or '_'.`,
    );
  }
}

/**
 * The storage key. Gem names are case-sensitive in URLs, but two gems differing only in case would
 * install as each other on a case-insensitive file system, so (as the RubyGems registry does) one
 * spelling per lower-cased name may exist.
 */
export const normalizeGemName = (name: string): string => name.toLowerCase();

/**
 * The look-alike key: separators dropped and the usual confusables folded, so `rack-test` refuses a
 * new `racktest`, `rack_test` or `rack-te5t`-free look-alikes such as `rack-tesl` do not collide but
 * `rai1s` does with `rails`.
 */
export function ultranormalizeGemName(name: string): string {
  return name.toLowerCase().replace(/[-._]/g, "").replace(/[li]/g, "1").replace(/o/g, "0");
}

/**
 * A gem platform as it appears in file names and the compact index: `ruby` (the default, left out of
 * file names) or cpu-os[-version] such as `x86_64-linux`, `arm64-darwin-22`, `java`, `x64-mingw-ucrt`.
 */
const VALID_PLATFORM = /^[A-Za-z0-9_]+(?:-[A-Za-z0-9_.]+){0,3}$/;

export function isValidPlatform(platform: string): boolean {
  return platform.length <= 64 && VALID_PLATFORM.test(platform);
}

export function assertValidPlatform(platform: string): void {
  if (!isValidPlatform(platform)) throw rubygemsNameErrors.PLATFORM_INVALID();
}

/** `name-version.gem`, or `name-version-platform.gem` for a platform other than ruby (Gem::Specification#full_name). */
export function gemFilename(name: string, version: string, platform: string): string {
  return platform === "ruby" ? `${name}-${version}.gem` : `${name}-${version}-${platform}.gem`;
}

/** The platform of a stored .gem, from its file name (the inverse of gemFilename for a known name and version). */
export function gemPlatformOf(filename: string, name: string, version: string): string {
  const stem = filename.slice(0, -".gem".length);
  const prefix = `${name}-${version}`;
  return stem.length > prefix.length && stem.startsWith(`${prefix}-`)
    ? stem.slice(prefix.length + 1)
    : "ruby";
}
