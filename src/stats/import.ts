import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { newId } from "../lib/ids.js";
import { earlierImports, hashFile, type ImportRecord } from "./ledger.js";
import {
  CsvError,
  isCsvHeader,
  type Parsed,
  parseCombinedLine,
  parseCsvLine,
  type StatsFormat,
} from "./parse.js";
import { createStaging, dropStaging, mergeDays, mergeMonths, Stager, takeBack } from "./staging.js";
import {
  dayOfMs,
  ensureSourceId,
  isoDay,
  lockStats,
  retentionCutoff,
  STATS_ECOSYSTEMS,
  type StatsEcosystem,
} from "./store.js";

export type StatsDeps = Pick<Deps, "db" | "dialect" | "clock">;

export interface ImportOptions {
  path: string;
  /** Default: CSV when the first line is the CSV header, else combined access log. */
  format?: StatsFormat;
  /** Import only this ecosystem's downloads. */
  ecosystem?: StatsEcosystem;
  /** Names one stream of statistics (a CDN, a region); default "default". */
  source?: string;
  /** Import content the ledger already has again, replacing what the earlier import stored. */
  force?: boolean;
  onProgress?: (p: { bytesRead: number; totalBytes: number; lines: number }) => void;
}

export interface ImportReport {
  file: string;
  fileSize: number;
  format: StatsFormat;
  source: string;
  sha256: string;
  /** This content was imported before (same source, overlapping scope): nothing changed. */
  alreadyImported: boolean;
  /** The earlier imports of this content: why it was refused, or what --force replaced. */
  earlier: ImportRecord[];
  lines: number;
  /** Downloads kept as days, and the net change of the stored daily totals. */
  downloads: number;
  netChange: number;
  /** (project, day) rows kept as days. */
  rows: number;
  projects: number;
  firstDay: string | null;
  lastDay: string | null;
  /** Rows dated before `before` (the retention cutoff) added to monthly totals instead of days. */
  folded: {
    rows: number;
    downloads: number;
    months: number;
    before: string;
    firstDay: string | null;
    lastDay: string | null;
  };
  skipped: {
    notDownload: number;
    malformed: number;
    otherEcosystem: number;
    unresolved: number;
    /** --force: downloads on days the earlier import (or a roll-up since) already put in months. */
    alreadyFolded: number;
    future: number;
  };
}

export class StatsImportError extends Error {}

/** A line longer than this is not a log line or a CSV row: refused rather than buffered. */
const MAX_LINE = 1 << 20;

/**
 * `wharf stats import FILE`: a combined access log or a CSV (optionally gzipped), in two streamed
 * passes. The first hashes the decompressed content: a file the ledger already has (same source,
 * overlapping ecosystem scope) is recognised before a line is parsed, and refused unless `force`.
 * The second parses line by line into bounded batches staged in temporary tables (staging.ts) and
 * merges them, all in ONE transaction with the ledger row: an import that fails midway (a bad CSV row, a
 * crash, a file changed under it) leaves nothing, and a ledger row always means a whole import.
 * One transaction rather than a staging area swapped in later: it is what makes "nothing half-way"
 * hold without a clean-up job, at the price of holding SQLite's write lock for the import's duration.
 */
export async function importStats(deps: StatsDeps, opts: ImportOptions): Promise<ImportReport> {
  const source = (opts.source ?? "default").trim();
  if (!/^[\w.:-]{1,64}$/.test(source))
    throw new StatsImportError("--source must be 1-64 letters, digits, '.', ':', '_' or '-'.");
  const scope = opts.ecosystem ?? "*";
  const { sha256, size, gzip } = await hashFile(opts.path);
  const report = emptyReport(opts.path, source, sha256, size);
  report.earlier = await earlierImports(deps.db, source, sha256, scope);
  if (report.earlier.length && !opts.force) {
    report.alreadyImported = true;
    return report;
  }
  const now = deps.clock.now();
  const today = dayOfMs(now);
  await transaction(deps.db, async (tx) => {
    await lockStats(tx, deps.dialect);
    const sourceId = await ensureSourceId(tx, source);
    // Again under the lock: another import of the same file may have committed meanwhile.
    const earlier = await earlierImports(tx, source, sha256, scope);
    report.earlier = earlier;
    if (earlier.length && !opts.force) {
      report.alreadyImported = true;
      return;
    }
    // A log imported before migration 021 left no record of what it added (cutoff_day is null): it
    // cannot be taken back, and adding it again would count it twice.
    const untraceable = earlier.find((e) => e.format === "combined" && e.cutoffDay === null);
    if (untraceable)
      throw new StatsImportError(
        `${report.file} is a log imported on ${new Date(untraceable.importedAt).toISOString().slice(0, 10)} (import ${untraceable.id}) by a Wharf that did not keep what each log added; --force would count its downloads twice.`,
      );
    const cutoff = await retentionCutoff(tx, today);
    // Days the earlier import folded, or that were rolled up since, are in monthly totals already.
    const keepFrom = Math.max(cutoff, ...earlier.map((e) => e.cutoffDay ?? cutoff));
    for (const e of earlier) {
      if (e.format === "combined") await takeBack(tx, e.id, sourceId, keepFrom);
      await tx.deleteFrom("stats_imports").where("id", "=", e.id).execute();
    }
    const id = newId(now);
    await tx
      .insertInto("stats_imports")
      .values({
        id,
        source_id: sourceId,
        sha256,
        scope,
        format: "combined",
        file_name: report.file,
        file_size: size,
        imported_at: now,
        cutoff_day: earlier.length ? keepFrom : cutoff,
        forced: earlier.length ? 1 : 0,
      })
      .execute();
    await createStaging(tx, deps.dialect);
    const stager = new Stager(tx, earlier.length ? keepFrom : cutoff);
    const skipBefore = earlier.length ? keepFrom : Number.NEGATIVE_INFINITY;
    const accept = async (p: Parsed & { ok: true }) => {
      if (p.day > today) report.skipped.future += p.count;
      else if (p.day < skipBefore) report.skipped.alreadyFolded += p.count;
      else await stager.add(p.ecosystem, p.kind, p.day, p.key, p.count);
    };
    const hash = await parseFile(opts, gzip, report, accept);
    if (hash !== sha256) throw new StatsImportError(`${opts.path} changed while it was being imported.`);
    await stager.flush();
    const days = await mergeDays(tx, id, sourceId, report.format === "csv" ? "replace" : "add");
    const months = await mergeMonths(tx);
    await dropStaging(tx, deps.dialect);
    const f = stager.out.folded;
    report.skipped.unresolved = stager.out.unresolved;
    Object.assign(report, {
      netChange: days.net,
      rows: days.rows,
      downloads: days.downloads,
      projects: days.projects,
      firstDay: days.first === null ? null : isoDay(days.first),
      lastDay: days.last === null ? null : isoDay(days.last),
    });
    report.folded = {
      rows: f.rows,
      downloads: f.downloads,
      months,
      before: isoDay(earlier.length ? keepFrom : cutoff),
      firstDay: f.rows ? isoDay(f.first) : null,
      lastDay: f.rows ? isoDay(f.last) : null,
    };
    await tx
      .updateTable("stats_imports")
      .set({
        format: report.format,
        rows: days.rows,
        downloads: days.downloads,
        first_day: days.first,
        last_day: days.last,
        folded_rows: f.rows,
        folded_downloads: f.downloads,
        folded_months: months,
      })
      .where("id", "=", id)
      .execute();
  });
  return report;
}

/**
 * The second pass: line by line, each download handed to `accept` (awaited, so a batch is written
 * before more of the file is read). Returns the SHA-256 of what it read, to compare with the first pass.
 */
async function parseFile(
  opts: ImportOptions,
  gzip: boolean,
  report: ImportReport,
  accept: (p: Parsed & { ok: true }) => Promise<void>,
): Promise<string> {
  const file = createReadStream(opts.path);
  const input = gzip ? file.pipe(createGunzip()) : file;
  const hash = createHash("sha256");
  const decoder = new StringDecoder("utf8");
  let format = opts.format;
  let carry = "";
  let lastProgress = 0;
  const handle = async (line: string) => {
    report.lines++;
    if (format === undefined) format = isCsvHeader(line) ? "csv" : "combined";
    report.format = format;
    if (format === "csv" && report.lines === 1) {
      if (!isCsvHeader(line))
        throw new StatsImportError(
          `${opts.path}: a CSV starts with the header '${"date,ecosystem,project,count"}'.`,
        );
      return;
    }
    let p: Parsed;
    try {
      p = format === "csv" ? parseCsvLine(line, STATS_ECOSYSTEMS) : parseCombinedLine(line);
    } catch (e) {
      // A CSV is an export: one bad row means the export is wrong, so the whole import is refused.
      if (e instanceof CsvError)
        throw new StatsImportError(`${opts.path}, line ${report.lines}: ${e.message}`);
      throw e;
    }
    if (!p.ok) {
      report.skipped[p.reason === "malformed" ? "malformed" : "notDownload"]++;
      return;
    }
    if (!(STATS_ECOSYSTEMS as readonly string[]).includes(p.ecosystem))
      return void report.skipped.notDownload++;
    if (opts.ecosystem && p.ecosystem !== opts.ecosystem) return void report.skipped.otherEcosystem++;
    await accept(p);
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    hash.update(chunk);
    const lines = (carry + decoder.write(chunk)).split("\n");
    carry = lines.pop() ?? "";
    if (carry.length > MAX_LINE)
      throw new StatsImportError(
        `${opts.path}, line ${report.lines + lines.length + 1}: longer than 1 MiB; not an access log or a CSV.`,
      );
    for (const line of lines) await handle(line);
    if (opts.onProgress && report.lines - lastProgress >= 10_000) {
      lastProgress = report.lines;
      opts.onProgress({ bytesRead: file.bytesRead, totalBytes: report.fileSize, lines: report.lines });
    }
  }
  carry += decoder.end();
  if (carry) await handle(carry);
  opts.onProgress?.({ bytesRead: report.fileSize, totalBytes: report.fileSize, lines: report.lines });
  return hash.digest("hex");
}

function emptyReport(path: string, source: string, sha256: string, fileSize: number): ImportReport {
  return {
    file: basename(path),
    fileSize,
    format: "combined",
    source,
    sha256,
    alreadyImported: false,
    earlier: [],
    lines: 0,
    downloads: 0,
    netChange: 0,
    rows: 0,
    projects: 0,
    firstDay: null,
    lastDay: null,
    folded: { rows: 0, downloads: 0, months: 0, before: "", firstDay: null, lastDay: null },
    skipped: { notDownload: 0, malformed: 0, otherEcosystem: 0, unresolved: 0, alreadyFolded: 0, future: 0 },
  };
}
