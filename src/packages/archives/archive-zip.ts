import { crc32 } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { distErrors, shown } from "../../ecosystems/pypi/errors.js";
import { parseCoreMetadata } from "../../ecosystems/pypi/metadata.js";
import { isAppError } from "../../lib/errors.js";
import {
  type ArchiveLimits,
  checkMemberPath,
  checkReleaseDir,
  decodeMetadata,
  type InspectOptions,
  type InspectResult,
  isSystemError,
  metadataTooLarge,
  readBounded,
  resolveLimits,
  unsafePath,
} from "./archive.js";

const STORED = 0;
const DEFLATED = 8;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const UNICODE_PATH_FIELD = 0x7075;

const YAUZL_PATH_REASONS: Record<string, string> = {
  "absolute path": "it is an absolute path or starts with a drive letter",
  "invalid relative path": "it contains a '..' segment",
  "invalid characters in fileName": "it contains a backslash",
};

/**
 * yauzl validates names itself before emitting an entry (and with strictFileNames keeps backslashes
 * so that check sees them); its refusals are path-traversal findings, everything else is a broken zip.
 */
function zipError(e: unknown): Error {
  if (isAppError(e) || isSystemError(e)) return e;
  const message = e instanceof Error ? e.message : "";
  const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(
    message,
  );
  if (unsafe) return unsafePath(unsafe[2]!, YAUZL_PATH_REASONS[unsafe[1]!] ?? "path traversal");
  return distErrors.ZIP_INVALID("The file is not a valid zip archive");
}

/** Checks one central-directory entry against the limits, using the sizes it declares. */
function checkEntry(entry: Entry, path: string, limits: ArchiveLimits): void {
  const name = entry.fileName;
  // yauzl prefers the Info-ZIP Unicode Path extra field over the raw name; Python's zipfile reads
  // the raw name. If they differ, pip and this check would be looking at different files.
  if (
    entry.extraFields.some((field) => field.id === UNICODE_PATH_FIELD) &&
    name !== entry.fileNameRaw.toString("utf8")
  ) {
    throw distErrors.ZIP_INVALID(
      `The file is not a valid zip archive: member '${shown(name)}' has two names`,
    );
  }
  // Unix mode bits live in the high half of the external attributes; an unzip that honours them
  // would create a symlink, and a later member could then be written through it.
  if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
    throw distErrors.ARCHIVE_UNSUPPORTED_MEMBER(`The wheel contains a symbolic link '${shown(name)}'`);
  }
  if (entry.isEncrypted()) {
    throw distErrors.ARCHIVE_UNSUPPORTED_MEMBER(`The wheel member '${shown(name)}' is encrypted`);
  }
  // PEP 427 wheels are stored or deflated; pip's zipfile cannot rely on anything else being present.
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw distErrors.ARCHIVE_UNSUPPORTED_MEMBER(
      `The wheel member '${shown(name)}' uses unsupported compression method ${entry.compressionMethod}`,
    );
  }
  if (entry.uncompressedSize > limits.maxMemberSize) {
    throw distErrors.ARCHIVE_MEMBER_TOO_LARGE(
      `The wheel member '${shown(path)}' is larger than ${limits.maxMemberSize} bytes uncompressed`,
    );
  }
  // Zip bomb: a member that inflates far beyond its stored size. Checked on the declared sizes; the
  // one member read here (METADATA) is also counted while streaming.
  if (
    entry.uncompressedSize > limits.compressionRatioMinSize &&
    entry.uncompressedSize > limits.maxCompressionRatio * entry.compressedSize
  ) {
    throw distErrors.ARCHIVE_COMPRESSION_RATIO(
      `The wheel member '${shown(path)}' is compressed more than ${limits.maxCompressionRatio}:1 (possible zip bomb)`,
    );
  }
}

async function readMetadata(zip: ZipFile, entry: Entry, limits: ArchiveLimits): Promise<Buffer> {
  if (entry.uncompressedSize > limits.maxMetadataSize)
    throw metadataTooLarge("METADATA", limits.maxMetadataSize);
  // The local header must name the same file as the central directory: tools that read one or the
  // other would otherwise see different METADATA (a parser-differential trick).
  const local = await zip.readLocalFileHeaderPromise(entry);
  if (!local.fileName.equals(entry.fileNameRaw)) {
    throw distErrors.ZIP_INVALID("The file is not a valid zip archive: local and central file names differ");
  }
  const stream = await zip.openReadStreamPromise(entry);
  // validateEntrySizes makes yauzl fail the stream if it yields more than the declared size; the
  // bounded read also stops at the cap in case the declared size was itself a lie.
  const bytes = await readBounded(stream, limits.maxMetadataSize, "METADATA");
  // yauzl does not check CRC-32; Python's zipfile does, so pip would fail on a corrupt METADATA.
  if (crc32(bytes) >>> 0 !== entry.crc32 >>> 0) {
    throw distErrors.ZIP_INVALID("The file is not a valid zip archive: METADATA fails its CRC-32 check");
  }
  return bytes;
}

/**
 * Reads and validates a wheel's METADATA (PEP 427: the single top-level {name}-{version}.dist-info
 * directory). Walks the whole central directory first (cheap: no member is decompressed) so that
 * every member is checked for path traversal, size and compression ratio, then reads only METADATA.
 */
export async function inspectWheel(path: string, options: InspectOptions = {}): Promise<InspectResult> {
  const limits = resolveLimits(options.limits);
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (e) {
    throw zipError(e);
  }
  try {
    // The end-of-central-directory record states the count: refuse before iterating at all.
    if (zip.entryCount > limits.maxMembers) {
      throw distErrors.ARCHIVE_TOO_MANY_MEMBERS(`The wheel has more than ${limits.maxMembers} members`);
    }
    const seen = new Set<string>();
    const distInfoDirs = new Set<string>();
    const distInfoFiles = new Map<string, Entry>();
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      const memberPath = checkMemberPath(entry.fileName);
      const isDirectory = entry.fileName.endsWith("/");
      if (memberPath === "" && !isDirectory) throw unsafePath(entry.fileName, "the name is empty");
      // Two members with one name: extractors disagree on which wins, so METADATA could differ.
      if (seen.has(memberPath)) {
        throw distErrors.ARCHIVE_DUPLICATE_MEMBER(`The wheel contains '${shown(memberPath)}' twice`);
      }
      seen.add(memberPath);
      checkEntry(entry, memberPath, limits);
      total += entry.uncompressedSize;
      if (total > limits.maxTotalSize) {
        throw distErrors.ARCHIVE_TOO_LARGE(
          `The wheel is larger than ${limits.maxTotalSize} bytes uncompressed`,
        );
      }
      const segments = memberPath.split("/");
      if (segments[0]!.endsWith(".dist-info")) {
        distInfoDirs.add(segments[0]!);
        if (segments.length === 2 && !isDirectory) distInfoFiles.set(memberPath, entry);
      }
    }
    // pip refuses a wheel with zero or several top-level .dist-info directories.
    if (distInfoDirs.size === 0) {
      throw distErrors.METADATA_MISSING("The wheel has no .dist-info directory");
    }
    if (distInfoDirs.size > 1) {
      throw distErrors.ARCHIVE_LAYOUT_INVALID(
        `The wheel has more than one .dist-info directory: ${shown([...distInfoDirs].join(", "))}`,
      );
    }
    const dir = [...distInfoDirs][0]!;
    const metadataEntry = distInfoFiles.get(`${dir}/METADATA`);
    if (!metadataEntry) throw distErrors.METADATA_MISSING(`The wheel has no ${shown(dir)}/METADATA file`);
    for (const required of ["WHEEL", "RECORD"]) {
      if (!distInfoFiles.has(`${dir}/${required}`)) {
        throw distErrors.ARCHIVE_LAYOUT_INVALID(`The wheel has no ${shown(dir)}/${required} file`);
      }
    }
    const metadataBytes = await readMetadata(zip, metadataEntry, limits);
    const metadataText = decodeMetadata(metadataBytes, "METADATA");
    const metadata = parseCoreMetadata(metadataText);
    checkReleaseDir(dir, dir.slice(0, -".dist-info".length), metadata, options.expect);
    return { metadataBytes, metadataText, metadata };
  } catch (e) {
    throw zipError(e);
  } finally {
    zip.close();
  }
}
