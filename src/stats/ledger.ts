import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import type { DbExecutor } from "../db/index.js";

/**
 * The import ledger: every imported file's content hash (SHA-256 of the decompressed bytes, so
 * `access.log.1` and, a day later, `access.log.2.gz` are the same file), name, size, rows, date range
 * and time. A file is recognised by its hash before a line of it is parsed.
 */
export interface ImportRecord {
  id: string;
  source: string;
  sha256: string;
  scope: string;
  format: string;
  fileName: string;
  fileSize: number | null;
  importedAt: number;
  rows: number;
  downloads: number;
  firstDay: number | null;
  lastDay: number | null;
  /** Days before it were folded into monthly totals (null: imported before 021, old days dropped). */
  cutoffDay: number | null;
  folded: { rows: number; downloads: number; months: number };
  forced: boolean;
}

/** The decompressed content's SHA-256 and the file's size, streamed (bounded memory, any size). */
export async function hashFile(path: string): Promise<{ sha256: string; size: number; gzip: boolean }> {
  const gzip = await isGzip(path);
  const file = createReadStream(path);
  const input = gzip ? file.pipe(createGunzip()) : file;
  const hash = createHash("sha256");
  for await (const chunk of input as AsyncIterable<Buffer>) hash.update(chunk);
  return { sha256: hash.digest("hex"), size: file.bytesRead, gzip };
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function base(db: DbExecutor) {
  return db
    .selectFrom("stats_imports as i")
    .innerJoin("stats_sources as s", "s.id", "i.source_id")
    .select([
      "i.id",
      "s.name as source",
      "i.sha256",
      "i.scope",
      "i.format",
      "i.file_name",
      "i.file_size",
      "i.imported_at",
      "i.rows",
      "i.downloads",
      "i.first_day",
      "i.last_day",
      "i.cutoff_day",
      "i.folded_rows",
      "i.folded_downloads",
      "i.folded_months",
      "i.forced",
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof base>["execute"]>>[number];

function toRecord(r: Row): ImportRecord {
  const n = (v: number | string | bigint | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    source: r.source,
    sha256: r.sha256,
    scope: r.scope,
    format: r.format,
    fileName: r.file_name,
    fileSize: n(r.file_size),
    importedAt: Number(r.imported_at),
    rows: Number(r.rows),
    downloads: Number(r.downloads),
    firstDay: n(r.first_day),
    lastDay: n(r.last_day),
    cutoffDay: n(r.cutoff_day),
    folded: {
      rows: Number(r.folded_rows),
      downloads: Number(r.folded_downloads),
      months: Number(r.folded_months),
    },
    forced: Number(r.forced) === 1,
  };
}

/**
 * Earlier imports of this content from this source that overlap `scope` (an ecosystem, or "*" for
 * all): importing it again would count their downloads twice.
 */
export async function earlierImports(
  db: DbExecutor,
  source: string,
  sha256: string,
  scope: string,
): Promise<ImportRecord[]> {
  const rows = await base(db).where("s.name", "=", source).where("i.sha256", "=", sha256).execute();
  return rows.filter((r) => r.scope === "*" || scope === "*" || r.scope === scope).map(toRecord);
}

/** The ledger, newest first: `wharf stats imports`. */
export async function listImports(db: DbExecutor, opts: { limit?: number } = {}): Promise<ImportRecord[]> {
  const rows = await base(db)
    .orderBy("i.imported_at", "desc")
    .orderBy("i.id", "desc")
    .limit(opts.limit ?? 50)
    .execute();
  return rows.map(toRecord);
}
