import { distErrors, shown } from "../../ecosystems/pypi/errors.js";
import type { CoreMetadata } from "../../ecosystems/pypi/metadata.js";
import { normalizeName } from "../../ecosystems/pypi/names.js";
import { canonicalVersion } from "../../ecosystems/pypi/version.js";
import { type ArchiveLimits, ARCHIVE_LIMITS as LIMITS } from "../../lib/archive-limits.js";
import type { AppError } from "../../lib/errors.js";

// The bounds are shared with npm publish (one ratio rule for every archive the registry inflates).
export { ARCHIVE_LIMITS as LIMITS, type ArchiveLimits } from "../../lib/archive-limits.js";

export interface InspectOptions {
  /**
   * The name and version the archive must belong to (from the parsed file name). The upload spools
   * to a temp file, so the path's basename says nothing; pass this so the .dist-info directory or
   * the sdist's top directory is checked against the file name, not only against the metadata.
   */
  expect?: { name: string; version: string };
  limits?: Partial<ArchiveLimits>;
}

export interface InspectResult {
  /** The metadata file's exact bytes: PEP 658 serves these and publishes their sha256. */
  metadataBytes: Buffer;
  metadataText: string;
  metadata: CoreMetadata;
}

/**
 * An I/O failure on the spooled file (ENOENT, EIO, EMFILE) is the server's problem, not a bad
 * upload: it must surface as a 500, not as "not a valid zip archive".
 */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string";
}

export function resolveLimits(overrides: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  return { ...LIMITS, ...overrides };
}

export function unsafePath(name: string, why: string): AppError {
  return distErrors.ARCHIVE_UNSAFE_PATH(`The archive contains an unsafe path '${shown(name)}': ${why}`);
}

/**
 * Refuses member names an extractor could resolve outside its destination (zip-slip / tar path
 * traversal): absolute paths, Windows drive letters, backslashes (a separator on Windows) and '..'
 * segments. NUL is refused because C-string consumers would truncate the name.
 *
 * Returns the normalized path: "." and empty segments dropped, no trailing '/'. Callers compare
 * normalized paths, so "./pkg-1.0.dist-info/METADATA" or "a//b" cannot sit beside "a/b" as a second
 * copy that an extractor writes over the first after we read it. "" means the archive root ("./").
 */
export function checkMemberPath(name: string): string {
  if (name === "") throw unsafePath(name, "the name is empty");
  if (name.includes("\0")) throw unsafePath(name, "it contains a NUL character");
  if (name.includes("\\")) throw unsafePath(name, "it contains a backslash");
  if (name.startsWith("/")) throw unsafePath(name, "it is an absolute path");
  if (/^[A-Za-z]:/.test(name)) throw unsafePath(name, "it starts with a drive letter");
  const segments = name.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw unsafePath(name, "it contains a '..' segment");
  return segments.join("/");
}

/** A node or streamx readable (yauzl and tar-stream entries respectively). */
type ByteStream = AsyncIterable<unknown> & { destroy(): unknown };

/** Reads a stream into memory, stopping as soon as more than `limit` bytes arrive. */
export async function readBounded(stream: ByteStream, limit: number, label: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("expected a byte stream");
    total += chunk.length;
    if (total > limit) {
      stream.destroy();
      throw metadataTooLarge(label, limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

export function metadataTooLarge(label: string, limit: number): AppError {
  return distErrors.METADATA_TOO_LARGE(`The ${label} file is larger than ${Math.floor(limit / 1024)} KiB`);
}

/** Core metadata is UTF-8 (core metadata spec); the BOM is kept so the text re-encodes to the same bytes. */
export function decodeMetadata(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw distErrors.METADATA_INVALID(`The ${label} file is not valid UTF-8`);
  }
}

/** Splits "{name}-{version}" at the last '-' (a normalized version never contains '-'). */
function sameRelease(stem: string, name: string, version: string): boolean {
  const dash = stem.lastIndexOf("-");
  if (dash <= 0) return false;
  try {
    return (
      normalizeName(stem.slice(0, dash)) === normalizeName(name) &&
      canonicalVersion(stem.slice(dash + 1)) === canonicalVersion(version)
    );
  } catch {
    return false;
  }
}

/**
 * The wheel's "{name}-{version}.dist-info" directory or the sdist's "{name}-{version}" directory
 * must name the same release as the metadata inside it and as the file name: pip locates metadata
 * by that directory name and refuses a wheel whose metadata version differs from its file name.
 */
export function checkReleaseDir(
  dir: string,
  stem: string,
  metadata: CoreMetadata,
  expect: InspectOptions["expect"],
): void {
  if (expect && !sameRelease(stem, expect.name, expect.version)) {
    throw distErrors.FILENAME_MISMATCH(
      `The archive directory '${shown(dir)}' does not match the file name '${shown(expect.name, 60)} ${shown(expect.version, 40)}'`,
    );
  }
  if (!sameRelease(stem, metadata.name, metadata.version)) {
    throw distErrors.METADATA_MISMATCH(
      `The archive directory '${shown(dir)}' does not match its metadata '${shown(metadata.name, 60)} ${shown(metadata.version, 40)}'`,
    );
  }
}
