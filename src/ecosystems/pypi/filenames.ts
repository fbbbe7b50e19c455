import { distErrors, shown } from "./errors.js";
import { assertValidProjectName, isValidProjectName, normalizeName } from "./names.js";
import { canonicalVersion, parseVersion } from "./version.js";

export type ParsedDistFilename =
  | {
      kind: "wheel";
      /** The distribution part as written (PEP 427 escapes separators as '_'); compare normalized. */
      name: string;
      /** The version part as written; compare with canonicalVersion(). */
      version: string;
      buildTag?: string;
      pythonTag: string;
      abiTag: string;
      platformTag: string;
    }
  | { kind: "sdist"; name: string; version: string };

/** Common file-system limit for one path component; also bounds what is stored and served. */
export const MAX_FILENAME_LENGTH = 255;

/** A PEP 425 tag component; compressed tag sets join alternatives with '.' ("py2.py3"). */
const TAG = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/;
/** PEP 427: the optional build tag must start with a digit (one digit, so nothing can backtrack). */
const BUILD_TAG = /^[0-9][A-Za-z0-9_.]*$/;

/** Extensions PyPI refused historically, with the reason a maintainer needs to read. */
const REFUSED_EXTENSIONS: Array<[string, string]> = [
  [".zip", "zip sdists are no longer accepted (PEP 625); upload a .tar.gz sdist or a wheel"],
  [".egg", "eggs are no longer accepted; upload a wheel"],
  [".exe", "Windows installers are not accepted; upload a wheel"],
  [".msi", "Windows installers are not accepted; upload a wheel"],
  [".tar.bz2", "sdists must be .tar.gz files (PEP 625)"],
  [".tar.xz", "sdists must be .tar.gz files (PEP 625)"],
  [".tar.z", "sdists must be .tar.gz files (PEP 625)"],
  [".tgz", "sdists must be .tar.gz files (PEP 625)"],
  [".tar", "sdists must be .tar.gz files (PEP 625)"],
];

function invalid(filename: string, why: string): never {
  throw distErrors.FILENAME_INVALID(`Invalid file name '${shown(filename)}': ${why}`);
}

function checkNamePart(filename: string, name: string): void {
  if (!isValidProjectName(name)) invalid(filename, `'${shown(name)}' is not a valid project name`);
}

function checkVersionPart(filename: string, version: string): void {
  try {
    parseVersion(version);
  } catch {
    invalid(filename, `'${shown(version)}' is not a valid PEP 440 version`);
  }
}

/** PEP 427 / PEP 491: {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl */
function parseWheel(filename: string): ParsedDistFilename {
  const parts = filename.slice(0, -".whl".length).split("-");
  if (parts.length !== 5 && parts.length !== 6) {
    invalid(filename, "a wheel is named {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl");
  }
  const [name, version] = parts as [string, string];
  // The wheel spec escapes every separator run to one '_': a '__' cannot come from a real build
  // tool, and pip (via packaging) refuses such a wheel, so it would be uninstallable.
  if (name.includes("__")) invalid(filename, `the name part '${shown(name)}' contains '__'`);
  checkNamePart(filename, name);
  checkVersionPart(filename, version);
  const [pythonTag, abiTag, platformTag] = parts.slice(-3) as [string, string, string];
  for (const tag of [pythonTag, abiTag, platformTag]) {
    if (!TAG.test(tag)) invalid(filename, `'${shown(tag)}' is not a valid compatibility tag`);
  }
  const parsed: ParsedDistFilename = { kind: "wheel", name, version, pythonTag, abiTag, platformTag };
  if (parts.length === 6) {
    const buildTag = parts[2]!;
    if (!BUILD_TAG.test(buildTag))
      invalid(filename, `the build tag '${shown(buildTag)}' must start with a digit`);
    parsed.buildTag = buildTag;
  }
  return parsed;
}

/**
 * Source distribution format / PEP 625: {name}-{version}.tar.gz. The version cannot contain '-', so the
 * split is at the last dash; legacy names ("Foo-Bar-1.0.tar.gz", from setuptools < 69.3) are accepted
 * because they still normalize to the project name.
 */
function parseSdist(filename: string): ParsedDistFilename {
  const stem = filename.slice(0, -".tar.gz".length);
  const dash = stem.lastIndexOf("-");
  if (dash <= 0) invalid(filename, "an sdist is named {name}-{version}.tar.gz");
  const name = stem.slice(0, dash);
  const version = stem.slice(dash + 1);
  checkNamePart(filename, name);
  checkVersionPart(filename, version);
  return { kind: "sdist", name, version };
}

/**
 * Parses and validates an uploaded file's name. The name becomes a blob key and a download URL, so
 * path separators, NUL, control and non-ASCII characters are refused before anything else.
 */
export function parseDistFilename(filename: string): ParsedDistFilename {
  if (filename.length === 0) invalid(filename, "it is empty");
  if (filename.length > MAX_FILENAME_LENGTH) {
    invalid(filename, `it is longer than ${MAX_FILENAME_LENGTH} characters`);
  }
  if (/[/\\]/.test(filename)) invalid(filename, "it must not contain '/' or '\\'");
  if (/[^\x21-\x7e]/.test(filename)) {
    invalid(filename, "only printable ASCII characters without spaces are allowed");
  }
  if (filename.endsWith(".whl")) return parseWheel(filename);
  if (filename.endsWith(".tar.gz")) return parseSdist(filename);
  const lower = filename.toLowerCase();
  if (lower.endsWith(".whl") || lower.endsWith(".tar.gz")) {
    invalid(filename, "the extension must be lowercase ('.whl' or '.tar.gz')");
  }
  for (const [extension, why] of REFUSED_EXTENSIONS) {
    if (lower.endsWith(extension)) {
      throw distErrors.FILETYPE_UNSUPPORTED(`Invalid file '${shown(filename)}': ${why}`);
    }
  }
  throw distErrors.FILETYPE_UNSUPPORTED(
    `Invalid file '${shown(filename)}': upload a wheel (.whl) or an sdist (.tar.gz)`,
  );
}

/**
 * The file must belong to the release the form names: same PEP 503 normalized project name and
 * same PEP 440 normalized version. Otherwise an upload to "bar 1.0" could carry "foo-1.0.tar.gz"
 * (served under bar's page but installed by pip as foo), or a "1.0" release could hold a "2.0" file.
 */
export function filenameMatches(parsed: ParsedDistFilename, formName: string, formVersion: string): void {
  assertValidProjectName(formName);
  const formCanonical = canonicalVersion(formVersion);
  const fileCanonical = canonicalVersion(parsed.version);
  if (normalizeName(parsed.name) !== normalizeName(formName) || fileCanonical !== formCanonical) {
    throw distErrors.FILENAME_MISMATCH(
      `The file name says '${shown(parsed.name, 60)} ${shown(fileCanonical, 40)}' but the form says '${shown(formName, 60)} ${shown(formCanonical, 40)}'`,
    );
  }
}
