import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { newId } from "../lib/ids.js";
import { resolveFileNames } from "./files.js";
import {
  CsvError,
  isCsvHeader,
  type Parsed,
  parseCombinedLine,
  parseCsvLine,
  type StatsFormat,
} from "./parse.js";
import {
  type CountRow,
  dayOfMs,
  ensureNameIds,
  ensureSourceId,
  isoDay,
  lockStats,
  markCoverage,
  retentionCutoff,
  STATS_ECOSYSTEMS,
  type StatsEcosystem,
  upsert,
  writeCounts,
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
  onProgress?: (p: { bytesRead: number; totalBytes: number; lines: number }) => void;
}

export interface ImportReport {
  file: string;
  format: StatsFormat;
  source: string;
  sha256: string;
  /** This content was imported before (same source and ecosystem scope): nothing changed. */
  alreadyImported: boolean;
  lines: number;
  /** Downloads in the file that were stored, and the net change of the stored totals. */
  downloads: number;
  netChange: number;
  /** (project, day) rows written. */
  rows: number;
  projects: number;
  firstDay: string | null;
  lastDay: string | null;
  skipped: {
    notDownload: number;
    malformed: number;
    otherEcosystem: number;
    unresolved: number;
    tooOld: number;
    future: number;
  };
}

export class StatsImportError extends Error {}

type Acc = { counts: Map<string, number>; seen: Map<string, Set<number>> };

/**
 * `wharf stats import FILE`: reads a combined access log or a CSV (optionally gzipped) in one pass,
 * hashing the decompressed bytes, sums downloads per (ecosystem, project, day) in memory, then writes
 * everything in one transaction with a ledger row: the same content is never counted twice, and an
 * interrupted import leaves nothing behind.
 */
export async function importStats(deps: StatsDeps, opts: ImportOptions): Promise<ImportReport> {
  const source = (opts.source ?? "default").trim();
  if (!/^[\w.:-]{1,64}$/.test(source))
    throw new StatsImportError("--source must be 1-64 letters, digits, '.', ':', '_' or '-'.");
  const totalBytes = (await stat(opts.path)).size;
  const fh = await open(opts.path, "r");
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0);
  await fh.close();
  const file = createReadStream(opts.path);
  const input = magic[0] === 0x1f && magic[1] === 0x8b ? file.pipe(createGunzip()) : file;
  const hash = createHash("sha256");
  const decoder = new StringDecoder("utf8");
  const acc: Acc = { counts: new Map(), seen: new Map() };
  const report = emptyReport(opts.path, source);
  let format = opts.format;
  let carry = "";
  let lastProgress = 0;
  const handle = (line: string) => {
    report.lines++;
    if (format === undefined) format = isCsvHeader(line) ? "csv" : "combined";
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
    const k = `${p.ecosystem}\t${p.kind}\t${p.day}\t${p.key}`;
    acc.counts.set(k, (acc.counts.get(k) ?? 0) + p.count);
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    hash.update(chunk);
    const lines = (carry + decoder.write(chunk)).split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) handle(line);
    if (opts.onProgress && report.lines - lastProgress >= 10_000) {
      lastProgress = report.lines;
      opts.onProgress({ bytesRead: file.bytesRead, totalBytes, lines: report.lines });
    }
  }
  carry += decoder.end();
  if (carry) handle(carry);
  opts.onProgress?.({ bytesRead: totalBytes, totalBytes, lines: report.lines });
  report.format = format ?? "combined";
  report.sha256 = hash.digest("hex");
  await store(deps, opts, report, await byProject(deps, acc, report));
  return report;
}

function emptyReport(path: string, source: string): ImportReport {
  return {
    file: basename(path),
    format: "combined",
    source,
    sha256: "",
    alreadyImported: false,
    lines: 0,
    downloads: 0,
    netChange: 0,
    rows: 0,
    projects: 0,
    firstDay: null,
    lastDay: null,
    skipped: { notDownload: 0, malformed: 0, otherEcosystem: 0, unresolved: 0, tooOld: 0, future: 0 },
  };
}

/** Per ecosystem: normalized name → day → count, with PyPI file names resolved to their project. */
async function byProject(deps: StatsDeps, acc: Acc, report: ImportReport) {
  const files = new Set<string>();
  for (const k of acc.counts.keys()) {
    const [, kind, , key] = k.split("\t") as [string, string, string, string];
    if (kind === "file") files.add(key);
  }
  const resolved = await resolveFileNames(deps.db, [...files]);
  const today = dayOfMs(deps.clock.now());
  const cutoff = await retentionCutoff(deps.db, today);
  const out = new Map<string, Map<string, Map<number, number>>>();
  for (const [k, count] of acc.counts) {
    const [eco, kind, dayText, key] = k.split("\t") as [string, string, string, string];
    const day = Number(dayText);
    const name = kind === "file" ? resolved.get(key) : key;
    if (!name) report.skipped.unresolved += count;
    else if (day < cutoff) report.skipped.tooOld += count;
    else if (day > today) report.skipped.future += count;
    else {
      const names = upsert(out, eco, () => new Map<string, Map<number, number>>());
      const days = upsert(names, name, () => new Map<number, number>());
      days.set(day, (days.get(day) ?? 0) + count);
    }
  }
  return out;
}

async function store(
  deps: StatsDeps,
  opts: ImportOptions,
  report: ImportReport,
  data: Map<string, Map<string, Map<number, number>>>,
): Promise<void> {
  const scope = opts.ecosystem ?? "*";
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await lockStats(tx, deps.dialect);
    const sourceId = await ensureSourceId(tx, report.source);
    const prior = await tx
      .selectFrom("stats_imports")
      .select("scope")
      .where("source_id", "=", sourceId)
      .where("sha256", "=", report.sha256)
      .execute();
    if (prior.some((p) => p.scope === "*" || scope === "*" || p.scope === scope)) {
      report.alreadyImported = true;
      return;
    }
    const id = newId(now);
    await tx
      .insertInto("stats_imports")
      .values({
        id,
        source_id: sourceId,
        sha256: report.sha256,
        scope,
        format: report.format,
        file_name: report.file,
        imported_at: now,
      })
      .execute();
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const [eco, names] of data) {
      const ids = await ensureNameIds(tx, eco, names.keys());
      const rows: CountRow[] = [];
      const days = new Set<number>();
      for (const [name, perDay] of names) {
        for (const [day, count] of perDay) {
          rows.push({ nameId: ids.get(name)!, day, count });
          days.add(day);
          report.downloads += count;
          first = Math.min(first, day);
          last = Math.max(last, day);
        }
      }
      report.rows += rows.length;
      report.projects += names.size;
      report.netChange += await writeCounts(
        tx,
        eco,
        sourceId,
        rows,
        report.format === "csv" ? "replace" : "add",
      );
      await markCoverage(tx, eco, sourceId, days);
    }
    const hasDays = Number.isFinite(first);
    await tx
      .updateTable("stats_imports")
      .set({
        rows: report.rows,
        downloads: report.downloads,
        first_day: hasDays ? first : null,
        last_day: hasDays ? last : null,
      })
      .where("id", "=", id)
      .execute();
    if (hasDays) {
      report.firstDay = isoDay(first);
      report.lastDay = isoDay(last);
    }
  });
}
