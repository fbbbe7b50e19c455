import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { distErrors, shown } from "../../ecosystems/pypi/errors.js";
import { parseCoreMetadata } from "../../ecosystems/pypi/metadata.js";
import {
  ARCHIVE_READ_BYTES,
  archiveGunzip,
  type InflateReason,
  InflationCap,
} from "../../lib/archive-limits.js";
import { type AppError, isAppError } from "../../lib/errors.js";
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
import { checkLinks, type TarLinks } from "./tar-links.js";

function tarError(e: unknown): Error {
  if (isAppError(e) || isSystemError(e)) return e;
  return distErrors.TAR_INVALID("The file is not a valid gzip-compressed tar archive");
}

/** The whole tar stream may expand at most maxCompressionRatio times the .tar.gz (above a floor). */
function sdistTooLarge(reason: InflateReason, limits: ArchiveLimits): AppError {
  return reason === "ratio"
    ? distErrors.ARCHIVE_COMPRESSION_RATIO(
        `The sdist expands to more than ${limits.maxCompressionRatio} times its size (possible gzip bomb)`,
      )
    : distErrors.ARCHIVE_TOO_LARGE(`The sdist is larger than ${limits.maxTotalSize} bytes uncompressed`);
}

const FILE_TYPES = new Set(["file", "contiguous-file"]);

function normalizedOrUndefined(target: string): string | undefined {
  try {
    return checkMemberPath(target);
  } catch {
    return undefined; // tar-links reports the unsafe target with the link's own message
  }
}

/**
 * Reads and validates an sdist's PKG-INFO (source distribution format: one top-level
 * {name}-{version} directory holding PKG-INFO). Every header is checked (path traversal, links,
 * device files, sizes); only PKG-INFO's content is kept, other members are drained and discarded.
 */
export async function inspectSdist(path: string, options: InspectOptions = {}): Promise<InspectResult> {
  const limits = resolveLimits(options.limits);
  const { size } = await stat(path);
  const cap = new InflationCap(size, limits, sdistTooLarge);
  const source = createReadStream(path, { highWaterMark: ARCHIVE_READ_BYTES });
  const extract = tar.extract();
  const done = pipeline(source, archiveGunzip(), cap, extract);
  // Failures also reach the iterator below; this keeps the promise from being reported unhandled.
  done.catch(() => {});

  const seen = new Set<string>();
  const links: TarLinks = { symlinks: new Map(), hardlinks: new Map() };
  const files = new Set<string>();
  let topDir: string | undefined;
  let members = 0;
  let total = 0;
  let pkgInfo: Buffer | undefined;
  try {
    for await (const entry of extract) {
      const header = entry.header;
      members += 1;
      if (members > limits.maxMembers) {
        throw distErrors.ARCHIVE_TOO_MANY_MEMBERS(`The sdist has more than ${limits.maxMembers} members`);
      }
      const type: string = header.type ?? "unknown";
      const memberPath = checkMemberPath(header.name);
      if (memberPath === "") {
        // "./", the archive root, as `tar -C dir -czf x.tar.gz .` writes it.
        if (type !== "directory") throw unsafePath(header.name, "the name is empty");
        entry.resume();
        continue;
      }
      if (seen.has(memberPath)) {
        throw distErrors.ARCHIVE_DUPLICATE_MEMBER(`The sdist contains '${shown(memberPath)}' twice`);
      }
      seen.add(memberPath);
      const segments = memberPath.split("/");
      topDir ??= segments[0]!;
      if (segments[0] !== topDir) {
        throw distErrors.ARCHIVE_LAYOUT_INVALID(
          `The sdist must contain a single top-level directory, but has '${shown(topDir)}' and '${shown(segments[0]!)}'`,
        );
      }
      const memberSize = header.size ?? 0;
      if (memberSize > limits.maxMemberSize) {
        throw distErrors.ARCHIVE_MEMBER_TOO_LARGE(
          `The sdist member '${shown(memberPath)}' is larger than ${limits.maxMemberSize} bytes`,
        );
      }
      total += memberSize;
      if (total > limits.maxTotalSize) throw cap.tooMuch();

      if (type === "symlink") links.symlinks.set(memberPath, header.linkname ?? "");
      else if (type === "link") {
        const target = header.linkname ?? "";
        const normalized = normalizedOrUndefined(target);
        links.hardlinks.set(memberPath, {
          target,
          normalized,
          earlierFile: normalized !== undefined && files.has(normalized),
        });
      } else if (FILE_TYPES.has(type)) files.add(memberPath);
      else if (type !== "directory") {
        // Devices and FIFOs have no business in a source tree; extracting them needs privileges or
        // blocks the extractor.
        throw distErrors.ARCHIVE_UNSUPPORTED_MEMBER(
          `The sdist member '${shown(memberPath)}' is a ${shown(type, 20)}, which is not allowed`,
        );
      }

      if (segments.length === 2 && segments[1] === "PKG-INFO") {
        if (!FILE_TYPES.has(type)) {
          throw distErrors.ARCHIVE_LAYOUT_INVALID(`The sdist's ${shown(memberPath)} is not a regular file`);
        }
        if (memberSize > limits.maxMetadataSize) throw metadataTooLarge("PKG-INFO", limits.maxMetadataSize);
        pkgInfo = await readBounded(entry, limits.maxMetadataSize, "PKG-INFO");
      } else {
        entry.resume();
      }
    }
    await done;
  } catch (e) {
    source.destroy();
    throw tarError(e);
  }

  if (topDir === undefined) throw distErrors.ARCHIVE_LAYOUT_INVALID("The sdist is empty");
  checkLinks(links, seen, topDir);
  if (!pkgInfo) throw distErrors.METADATA_MISSING(`The sdist has no ${shown(topDir)}/PKG-INFO file`);
  const metadataText = decodeMetadata(pkgInfo, "PKG-INFO");
  const metadata = parseCoreMetadata(metadataText);
  checkReleaseDir(topDir, topDir, metadata, options.expect);
  return { metadataBytes: pkgInfo, metadataText, metadata };
}
