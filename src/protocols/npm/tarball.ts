import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { blake2b } from "@noble/hashes/blake2.js";
import tar from "tar-stream";
import { npmErrors } from "./errors.js";

/** Decompression bounds: a gzip bomb stops here instead of filling memory or disk. */
const MAX_UNPACKED = 1024 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_PACKAGE_JSON = 1024 * 1024;

export interface Digests {
  sha512: Buffer;
  sha1: string;
  sha256: string;
  md5: string;
  blake2b256: string;
}

export function digests(bytes: Buffer): Digests {
  const h = (alg: string) => createHash(alg).update(bytes);
  return {
    sha512: h("sha512").digest(),
    sha1: h("sha1").digest("hex"),
    sha256: h("sha256").digest("hex"),
    md5: h("md5").digest("hex"),
    blake2b256: Buffer.from(blake2b(bytes, { dkLen: 32 })).toString("hex"),
  };
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
}

/**
 * Checks that the bytes are a gzip-compressed tar holding `<dir>/package.json`, reading all of it
 * (so a truncated or corrupt stream fails its CRC here, not on a user's machine) within bounds.
 */
export async function inspectTarball(bytes: Buffer): Promise<Inspected> {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
    throw npmErrors.NOT_GZIP(
      "The attachment is not a gzip-compressed tarball (.tgz); publish with npm publish.",
    );
  const extract = tar.extract();
  let packageJson: Buffer | null = null;
  let fileCount = 0;
  let unpackedSize = 0;
  extract.on("entry", (header, stream, next) => {
    fileCount++;
    unpackedSize += header.size ?? 0;
    if (fileCount > MAX_ENTRIES || unpackedSize > MAX_UNPACKED) {
      stream.resume();
      return next(npmErrors.ATTACHMENT_INVALID("The tarball unpacks to more than this registry accepts."));
    }
    const isManifest = /^[^/]+\/package\.json$/.test(header.name) && header.type === "file";
    if (!isManifest || packageJson) {
      stream.on("end", () => next());
      return stream.resume();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (c: unknown) => {
      const b = c as Buffer;
      size += b.length;
      if (size <= MAX_PACKAGE_JSON) chunks.push(b);
    });
    stream.on("end", () => {
      packageJson = size <= MAX_PACKAGE_JSON ? Buffer.concat(chunks) : Buffer.alloc(0);
      next();
    });
  });
  try {
    await pipeline(Readable.from([bytes]), createGunzip(), extract);
  } catch (e) {
    if (e instanceof Error && "status" in e) throw e;
    throw npmErrors.NOT_GZIP(
      "The attachment is not a valid gzip-compressed tarball (it is corrupt or truncated).",
    );
  }
  const found = packageJson as Buffer | null;
  if (!found) throw npmErrors.ATTACHMENT_INVALID("The tarball has no package/package.json.");
  try {
    const parsed: unknown = JSON.parse(found.toString("utf8"));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return { packageJson: parsed as Record<string, unknown>, fileCount, unpackedSize };
  } catch {
    throw npmErrors.ATTACHMENT_INVALID("The tarball's package/package.json is not valid JSON.");
  }
}
