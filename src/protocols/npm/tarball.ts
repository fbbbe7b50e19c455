import { createReadStream } from "node:fs";
import { type Duplex, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import {
  ARCHIVE_LIMITS,
  ARCHIVE_READ_BYTES,
  type ArchiveLimits,
  archiveGunzip,
  type InflateReason,
  InflationCap,
} from "../../lib/archive-limits.js";
import { isAppError } from "../../lib/errors.js";
import { npmErrors } from "./errors.js";
import { Members } from "./tarball-members.js";

/**
 * Members in one tarball. Higher than the PyPI bound (ARCHIVE_LIMITS.maxMembers): real npm packages
 * ship tens of thousands of small files (icon sets, generated typings). The inflated bytes, not the
 * member count, bound the work.
 */
const MAX_ENTRIES = 100_000;
const MAX_PACKAGE_JSON = 1024 * 1024;

/** An npm tarball's digests (attachment-spool.ts says why not PyPI's md5 and BLAKE2b-256). */
export interface Digests {
  sha512: Buffer;
  sha1: string;
  sha256: string;
}

/**
 * Subresource Integrity (W3C SRI §3.3): `integrity` may list several space-separated hashes; every
 * sha512 one must match, and there must be at least one (npm always sends sha512).
 */
export function checkIntegrity(integrity: unknown, shasum: unknown, d: Digests): void {
  if (integrity === undefined && shasum === undefined)
    throw npmErrors.INTEGRITY_MISMATCH("The version's dist has neither integrity nor shasum.");
  if (integrity !== undefined) {
    if (typeof integrity !== "string") throw npmErrors.INTEGRITY_MISMATCH("dist.integrity must be a string.");
    const sha512 = integrity
      .trim()
      .split(/\s+/)
      .filter((t) => t.startsWith("sha512-"))
      .map((t) => t.slice(7).replace(/\?.*$/, ""));
    if (sha512.length === 0) throw npmErrors.INTEGRITY_MISMATCH("dist.integrity has no sha512 hash.");
    const actual = d.sha512.toString("base64");
    if (!sha512.every((b64) => b64 === actual)) throw npmErrors.INTEGRITY_MISMATCH();
  }
  if (shasum !== undefined && (typeof shasum !== "string" || shasum.toLowerCase() !== d.sha1))
    throw npmErrors.SHASUM_MISMATCH();
}

export interface Inspected {
  packageJson: Record<string, unknown>;
  fileCount: number;
  unpackedSize: number;
  /** Regular files' paths inside the package ("lib/index.js"), in tarball order. */
  files: string[];
}

/** A tarball spooled to disk (attachment-spool.ts): its first bytes, size and file. */
export interface TarballFile {
  head: Buffer;
  size: number;
  path: string;
}

export interface InspectOptions {
  limits?: Partial<ArchiveLimits>;
  /** Counts the bytes gunzip produced, so tests can assert the work done before a refusal. */
  meter?: { inflated: number };
}

/** The npm words for a tarball past its inflation cap (lib/archive-limits, the PyPI sdist rule). */
export function tarballTooLarge(reason: InflateReason, limits: ArchiveLimits) {
  return npmErrors.TARBALL_TOO_LARGE(
    reason === "ratio"
      ? `The tarball expands to more than ${limits.maxCompressionRatio} times its size (possible gzip bomb); this registry refuses it.`
      : `The tarball unpacks to more than ${Math.floor(limits.maxTotalSize / 1024 / 1024)} MB; this registry refuses it.`,
  );
}

async function readPackageJson(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_PACKAGE_JSON)
      throw npmErrors.ATTACHMENT_INVALID("The tarball's package/package.json is larger than 1 MB.");
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

/** The gzip magic and the smallest possible size, checked before anything is inflated. */
export function checkGzipHead(head: Buffer, size: number): void {
  if (size < 18 || head[0] !== 0x1f || head[1] !== 0x8b)
    throw npmErrors.NOT_GZIP(
      "The attachment is not a gzip-compressed tarball (.tgz); publish with npm publish.",
    );
}

/**
 * Checks that the bytes are a gzip-compressed tar of `package/...` regular files holding
 * `package/package.json`, reading all of it (so a truncated or corrupt stream fails its CRC here,
 * not on a user's machine) within bounds. Every member name is checked (tarball-members.ts).
 */
export async function inspectTarball(
  tarball: Buffer | TarballFile,
  options: InspectOptions = {},
): Promise<Inspected> {
  const inMemory = Buffer.isBuffer(tarball);
  const size = inMemory ? tarball.length : tarball.size;
  checkGzipHead(inMemory ? tarball : tarball.head, size);
  const source = inMemory
    ? Readable.from([tarball])
    : createReadStream(tarball.path, { highWaterMark: ARCHIVE_READ_BYTES });
  const limits = { ...ARCHIVE_LIMITS, ...options.limits };
  return walkTarball(
    [source, archiveGunzip()],
    new InflationCap(size, limits, tarballTooLarge, options.meter),
  );
}

/**
 * Reads the tarball to its end through `cap` (inspectTarball says what is checked). `inflated` is the
 * stages that give the inflated bytes: a file's read stream and a gunzip, or (a tarball arriving) the
 * gunzip the body's bytes are written into.
 */
export async function walkTarball(inflated: [Readable, ...Duplex[]], cap: InflationCap): Promise<Inspected> {
  const extract = tar.extract();
  const source = inflated[0];
  const done = pipeline([...inflated, cap, extract]);
  // Failures also reach the iterator below; this keeps the promise from being reported unhandled.
  done.catch(() => {});
  const members = new Members();
  let packageJson: Buffer | undefined;
  let entries = 0;
  let unpackedSize = 0;
  try {
    for await (const entry of extract) {
      if (++entries > MAX_ENTRIES)
        throw npmErrors.TARBALL_TOO_LARGE(`The tarball has more than ${MAX_ENTRIES} members.`);
      const { path, isFile } = members.add(entry.header.name, entry.header.type);
      if (isFile) unpackedSize += entry.header.size ?? 0;
      if (path === "package.json" && isFile) packageJson = await readPackageJson(entry);
      else entry.resume();
    }
    await done;
  } catch (e) {
    source.destroy();
    if (isAppError(e)) throw e;
    throw npmErrors.NOT_GZIP(
      "The attachment is not a valid gzip-compressed tarball (it is corrupt or truncated).",
    );
  }
  if (!packageJson) throw npmErrors.ATTACHMENT_INVALID("The tarball has no package/package.json.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(packageJson.toString("utf8"));
  } catch {
    throw npmErrors.ATTACHMENT_INVALID("The tarball's package/package.json is not valid JSON.");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw npmErrors.ATTACHMENT_INVALID("The tarball's package/package.json is not a JSON object.");
  return {
    packageJson: parsed as Record<string, unknown>,
    fileCount: members.files.length,
    unpackedSize,
    files: members.files,
  };
}
