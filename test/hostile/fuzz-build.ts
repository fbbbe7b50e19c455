import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { blake2b } from "@noble/hashes/blake2.js";
import { distName, type ZipEntry, zipOf } from "../../src/packages/archives/test-fixtures.js";
import { twineFields } from "../e2e/support/upload.js";

export { distName, type ZipEntry, zipOf };

/**
 * Byte-level builders for the fuzz campaign: multipart bodies, zips and tars written by hand so every
 * field can lie (framing, CRCs, sizes, modes, header checksums), which no well-behaved library writes.
 */

export interface Part {
  name: string | Buffer;
  filename?: string | Buffer;
  type?: string;
  data: Buffer | string;
  /** Replaces the part's header lines entirely. */
  rawHeaders?: Buffer;
}

export function multipartBody(
  parts: Part[],
  boundary: string,
  opts: { eol?: string; close?: boolean } = {},
): Buffer {
  const eol = opts.eol ?? "\r\n";
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}${eol}`));
    if (p.rawHeaders) out.push(p.rawHeaders);
    else {
      out.push(Buffer.from('Content-Disposition: form-data; name="'), Buffer.from(p.name), Buffer.from('"'));
      if (p.filename !== undefined)
        out.push(Buffer.from('; filename="'), Buffer.from(p.filename), Buffer.from('"'));
      out.push(Buffer.from(eol));
      if (p.type) out.push(Buffer.from(`Content-Type: ${p.type}${eol}`));
    }
    out.push(Buffer.from(eol), Buffer.from(p.data), Buffer.from(eol));
  }
  if (opts.close ?? true) out.push(Buffer.from(`--${boundary}--${eol}`));
  return Buffer.concat(out);
}

export const digestsOf = (bytes: Buffer) => ({
  sha256_digest: createHash("sha256").update(bytes).digest("hex"),
  blake2_256_digest: Buffer.from(blake2b(bytes, { dkLen: 32 })).toString("hex"),
  md5_digest: createHash("md5").update(bytes).digest("hex"),
});

/** The text fields twine sends for `file`: e2e's twineFields plus the BLAKE2 and MD5 digests twine also sends. */
export function twineFieldsFor(
  name: string,
  version: string,
  filename: string,
  file: Buffer,
): Array<[string, string]> {
  const d = digestsOf(file);
  return [
    ...twineFields(name, version, filename, d.sha256_digest),
    ["blake2_256_digest", d.blake2_256_digest],
    ["md5_digest", d.md5_digest],
  ];
}

export interface TarEntry {
  name: string | Buffer;
  data?: Buffer | string;
  /** '0' file, '2' symlink, '1' hard link, '5' directory, '3'/'4' devices, '6' fifo, 'x' pax, 'L' GNU long name. */
  type?: string;
  linkname?: string;
  /** Lies: the size field as written (e.g. "-1", "zzz", a huge octal), a broken checksum. */
  sizeField?: string;
  badChecksum?: boolean;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

export function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  Buffer.from(e.name).copy(h, 0, 0, 100);
  h.write(octal(0o644, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1");
  h.write(octal(0, 8), 116, "latin1");
  h.write((e.sizeField ?? octal(size, 12)).slice(0, 12), 124, "latin1");
  h.write(octal(1704067200, 12), 136, "latin1");
  h.write(e.type ?? "0", 156, "latin1");
  if (e.linkname) h.write(e.linkname.slice(0, 100), 157, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${octal(e.badChecksum ? sum + 7 : sum, 7)} `, 148, "latin1");
  return h;
}

export function tarOf(entries: TarEntry[], opts: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? "");
    out.push(tarHeader(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (opts.end ?? true) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

export const tgzOf = (entries: TarEntry[], opts: { end?: boolean } = {}) => gzipSync(tarOf(entries, opts));

export function metadataText(name: string, version: string): string {
  return `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: fuzz\nRequires-Python: >=3.8\n\nA fuzzed package.\n`;
}

const WHEEL = "Wheel-Version: 1.0\nGenerator: wharf-fuzz (1.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n";

function recordLine(path: string, data: Buffer): string {
  return `${path},sha256=${createHash("sha256").update(data).digest("base64url")},${data.length}`;
}

/** The members of a valid wheel (with a correct RECORD), for mutation before zipping. */
export function wheelEntries(
  name: string,
  version: string,
  metadata = metadataText(name, version),
): ZipEntry[] {
  const dist = distName(name);
  const info = `${dist}-${version}.dist-info`;
  const files: Array<[string, Buffer]> = [
    [`${dist}/__init__.py`, Buffer.from(`__version__ = "${version}"\n`)],
    [`${info}/METADATA`, Buffer.from(metadata)],
    [`${info}/WHEEL`, Buffer.from(WHEEL)],
  ];
  const record = `${files.map(([p, d]) => recordLine(p, d)).join("\n")}\n${info}/RECORD,,\n`;
  files.push([`${info}/RECORD`, Buffer.from(record)]);
  return files.map(([n, data]) => ({ name: n, data, deflate: true }));
}

/** The members of a valid sdist, for mutation before tarring. */
export function sdistEntries(
  name: string,
  version: string,
  pkgInfo = metadataText(name, version),
): TarEntry[] {
  const top = `${distName(name)}-${version}`;
  return [
    { name: `${top}/`, type: "5" },
    { name: `${top}/PKG-INFO`, data: pkgInfo },
    { name: `${top}/pyproject.toml`, data: `[project]\nname = "${name}"\nversion = "${version}"\n` },
    { name: `${top}/${distName(name)}/__init__.py`, data: "x = 1\n" },
  ];
}

/** The members of a valid npm tarball. */
export function npmEntries(packageJson: Record<string, unknown> | string): TarEntry[] {
  const pj = typeof packageJson === "string" ? packageJson : JSON.stringify(packageJson);
  return [
    { name: "package/package.json", data: pj },
    { name: "package/index.js", data: "module.exports = 42;\n" },
  ];
}

/** The body `npm publish` sends for `bytes` (libnpmpublish's shape). */
export function npmPublishDoc(
  name: string,
  version: string,
  bytes: Buffer,
  manifest: Record<string, unknown> = { name, version },
  o: { shasum?: string } = {},
): Record<string, unknown> {
  return {
    _id: name,
    name,
    description: "fuzz",
    "dist-tags": { latest: version },
    versions: {
      [version]: {
        ...manifest,
        _id: `${name}@${version}`,
        _nodeVersion: "20.0.0",
        _npmVersion: "11.0.0",
        dist: {
          integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
          shasum: o.shasum ?? createHash("sha1").update(bytes).digest("hex"),
          tarball: `http://localhost/npm/${name}/-/x-${version}.tgz`,
        },
      },
    },
    access: null,
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: "application/octet-stream",
        data: bytes.toString("base64"),
        length: bytes.length,
      },
    },
  };
}
