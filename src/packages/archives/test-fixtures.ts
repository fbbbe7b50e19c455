/**
 * Builders for real distribution files, for tests only (not part of the production surface).
 * buildWheel/buildSdist produce archives pip installs; the lower-level writers let security tests
 * craft hostile ones (traversal names, links, bombs, lying sizes).
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createGzip, deflateRawSync } from "node:zlib";
import tar from "tar-stream";
import yazl from "yazl";
import { canonicalVersion } from "../../ecosystems/pypi/version.js";

export interface ZipMember {
  name: string;
  /** Content, or a factory for a stream (e.g. zeros() for a bomb) so nothing large sits in memory. */
  data: string | Buffer | (() => Readable);
  compress?: boolean;
  /** Unix mode including the file type bits, e.g. 0o120777 for a symlink. */
  mode?: number;
}

export async function writeZip(path: string, members: ZipMember[]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const m of members) {
    const options = { compress: m.compress ?? true, ...(m.mode !== undefined ? { mode: m.mode } : {}) };
    if (typeof m.data === "function") zip.addReadStream(m.data(), m.name, options);
    else zip.addBuffer(Buffer.from(m.data), m.name, options);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return path;
}

/** A hand-written stored-only zip, for fields yazl cannot produce (extra fields). */
export function storedZip(members: Array<{ name: Buffer; data: Buffer; extra?: Buffer }>): Buffer {
  return zipOf(members.map((m) => ({ ...m, mode: null })));
}

export interface ZipEntry {
  name: string | Buffer;
  data: Buffer | string;
  /** Unix mode with file-type bits (0o120777: symlink); null writes no Unix attributes (made by MS-DOS). */
  mode?: number | null;
  deflate?: boolean;
  /** Lies: a CRC, sizes, or an extra field other than what the data has. */
  crc?: number;
  csize?: number;
  usize?: number;
  extra?: Buffer;
}

/**
 * A zip written by hand so every field can lie (CRCs, sizes, modes, entry count, directory offsets,
 * truncation) — what no well-behaved library writes. Used by security tests and the fuzz campaign.
 */
export function zipOf(
  entries: ZipEntry[],
  lies: {
    count?: number;
    cdOffset?: number;
    cdSize?: number;
    commentLength?: number;
    truncateAt?: number;
  } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const raw = Buffer.from(e.data);
    const body = e.deflate ? deflateRawSync(raw) : raw;
    const crc = e.crc ?? crc32(raw) >>> 0;
    const extra = e.extra ?? Buffer.alloc(0);
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.csize ?? body.length, 18);
    local.writeUInt32LE(e.usize ?? raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.mode === null ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.csize ?? body.length, 20);
    central.writeUInt32LE(e.usize ?? raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    if (e.mode !== null) central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    const entry = Buffer.concat([local, name, extra, body]);
    locals.push(entry);
    centrals.push(Buffer.concat([central, name, extra]));
    offset += entry.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(lies.count ?? entries.length, 8);
  end.writeUInt16LE(lies.count ?? entries.length, 10);
  end.writeUInt32LE(lies.cdSize ?? cd.length, 12);
  end.writeUInt32LE(lies.cdOffset ?? offset, 16);
  end.writeUInt16LE(lies.commentLength ?? 0, 20);
  const all = Buffer.concat([...locals, cd, end]);
  return lies.truncateAt !== undefined ? all.subarray(0, lies.truncateAt) : all;
}

/** A stream of `size` zero bytes, produced 1 MiB at a time. */
export function zeros(size: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= chunk.length)
        yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    })(),
  );
}

/**
 * Replaces every occurrence of `search` by `replace` (same byte length) in a file: yazl refuses to
 * write "../evil" or "/etc/x", so tests write "XX/evil" and patch the name in both headers.
 */
export async function patchBytes(path: string, search: string, replace: string): Promise<void> {
  const from = Buffer.from(search);
  const to = Buffer.from(replace);
  if (from.length !== to.length) throw new Error("patchBytes needs equal lengths");
  const buf = await readFile(path);
  let at = buf.indexOf(from);
  if (at < 0) throw new Error(`'${search}' not found in ${path}`);
  for (; at >= 0; at = buf.indexOf(from, at + to.length)) to.copy(buf, at);
  await writeFile(path, buf);
}

/** Rewrites the sizes a member declares in the central directory (what yauzl and pip trust). */
export async function setDeclaredSizes(
  path: string,
  member: string,
  sizes: { compressed?: number; uncompressed?: number },
): Promise<void> {
  const buf = await readFile(path);
  const name = Buffer.from(member);
  for (let at = buf.indexOf(name); at >= 0; at = buf.indexOf(name, at + 1)) {
    const header = at - 46;
    if (
      header >= 0 &&
      buf.readUInt32LE(header) === 0x02014b50 &&
      buf.readUInt16LE(header + 28) === name.length
    ) {
      if (sizes.compressed !== undefined) buf.writeUInt32LE(sizes.compressed, header + 20);
      if (sizes.uncompressed !== undefined) buf.writeUInt32LE(sizes.uncompressed, header + 24);
      await writeFile(path, buf);
      return;
    }
  }
  throw new Error(`central directory entry '${member}' not found`);
}

export interface TarMember {
  name: string;
  /** Content, or a stream factory with its size (e.g. zeros() for a gzip bomb). */
  data?: string | Buffer | { size: number; stream: () => Readable };
  type?: "file" | "directory" | "symlink" | "link" | "fifo" | "character-device" | "block-device";
  linkname?: string;
  mode?: number;
}

/** Writes a gzip-compressed tar, streaming entries so large (bomb) members never sit in memory. */
export async function writeTarGz(path: string, members: TarMember[]): Promise<string> {
  const pack = tar.pack();
  const written = pipeline(Readable.from(pack), createGzip(), createWriteStream(path));
  const mtime = new Date("2024-01-01T00:00:00Z");
  for (const m of members) {
    const type = m.type ?? "file";
    const mode = m.mode ?? (type === "directory" ? 0o755 : 0o644);
    const header = {
      name: m.name,
      type,
      mode,
      mtime,
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
    };
    const data = m.data;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type !== "file") pack.entry(header, Buffer.alloc(0), done);
      else if (typeof data === "object" && !Buffer.isBuffer(data)) {
        const sink = pack.entry({ ...header, size: data.size }, done);
        data.stream().pipe(sink as unknown as NodeJS.WritableStream);
      } else pack.entry(header, Buffer.from(data ?? ""), done);
    });
  }
  pack.finalize();
  await written;
  return path;
}

/** PEP 427 escaping of a project name for file and directory names. */
export function distName(name: string): string {
  return name.replace(/[-_.]+/g, "_").toLowerCase();
}

function metadataText(name: string, version: string, extra: string | undefined): string {
  const extraLines = extra ? `${extra.replace(/\n+$/, "")}\n` : "";
  return (
    `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: Test package ${name}\n` +
    `Requires-Python: >=3.8\n${extraLines}Description-Content-Type: text/markdown\n\n# ${name}\n\nA test package.\n`
  );
}

export interface WheelFixture {
  name: string;
  version: string;
  /** Extra header lines for METADATA, e.g. "Classifier: ...\nRequires-Dist: ...". */
  metadataExtra?: string;
  /** Replaces METADATA entirely. */
  metadata?: string;
  /** More files, by path inside the wheel; they are listed in RECORD. */
  members?: Record<string, string | Buffer>;
  /** Overrides the "{dist}-{version}.dist-info" directory name. */
  distInfoDir?: string;
  /** Overrides the file name. */
  filename?: string;
}

function recordDigest(data: Buffer): string {
  return `sha256=${createHash("sha256").update(data).digest("base64url")}`;
}

/** A pure-Python py3-none-any wheel (PEP 427) with a correct RECORD; returns its path. */
export async function buildWheel(dir: string, fx: WheelFixture): Promise<string> {
  const dist = distName(fx.name);
  const version = canonicalVersion(fx.version);
  const distInfo = fx.distInfoDir ?? `${dist}-${version}.dist-info`;
  const files: Array<[string, Buffer]> = [
    [`${dist}/__init__.py`, Buffer.from(`__version__ = "${version}"\n`)],
    ...Object.entries(fx.members ?? {}).map(([p, d]): [string, Buffer] => [p, Buffer.from(d)]),
    [`${distInfo}/METADATA`, Buffer.from(fx.metadata ?? metadataText(fx.name, version, fx.metadataExtra))],
    [
      `${distInfo}/WHEEL`,
      Buffer.from(
        "Wheel-Version: 1.0\nGenerator: wharf-test-fixtures (1.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
      ),
    ],
  ];
  const csv = (p: string) => (/[",\n]/.test(p) ? `"${p.replace(/"/g, '""')}"` : p);
  const record = `${files.map(([p, d]) => `${csv(p)},${recordDigest(d)},${d.length}`).join("\n")}\n${csv(`${distInfo}/RECORD`)},,\n`;
  files.push([`${distInfo}/RECORD`, Buffer.from(record)]);
  const filename = fx.filename ?? `${dist}-${version}-py3-none-any.whl`;
  return writeZip(
    join(dir, filename),
    files.map(([name, data]) => ({ name, data })),
  );
}

export interface SdistFixture {
  name: string;
  version: string;
  /** Extra header lines for PKG-INFO. */
  pkgInfoExtra?: string;
  /** Replaces PKG-INFO entirely. */
  pkgInfo?: string;
  /** More files, by path inside the top directory. */
  members?: Record<string, string | Buffer>;
  /** Overrides the "{dist}-{version}" top directory. */
  topDir?: string;
  /** Overrides the file name. */
  filename?: string;
  /** Raw entries appended after the regular ones (full paths, any type). */
  entries?: TarMember[];
}

/** A PEP 625 sdist with PKG-INFO and a setuptools pyproject.toml; returns its path. */
export async function buildSdist(dir: string, fx: SdistFixture): Promise<string> {
  const dist = distName(fx.name);
  const version = canonicalVersion(fx.version);
  const top = fx.topDir ?? `${dist}-${version}`;
  const pyproject =
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n` +
    `[project]\nname = "${fx.name}"\nversion = "${version}"\ndescription = "Test package ${fx.name}"\n` +
    `requires-python = ">=3.8"\n\n[tool.setuptools]\npackages = ["${dist}"]\n`;
  const members: TarMember[] = [
    { name: `${top}/`, type: "directory" },
    { name: `${top}/PKG-INFO`, data: fx.pkgInfo ?? metadataText(fx.name, version, fx.pkgInfoExtra) },
    { name: `${top}/pyproject.toml`, data: pyproject },
    { name: `${top}/${dist}/`, type: "directory" },
    { name: `${top}/${dist}/__init__.py`, data: `__version__ = "${version}"\n` },
    ...Object.entries(fx.members ?? {}).map(([p, data]) => ({ name: `${top}/${p}`, data })),
    ...(fx.entries ?? []),
  ];
  return writeTarGz(join(dir, fx.filename ?? `${top}.tar.gz`), members);
}
