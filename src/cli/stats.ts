import { join } from "node:path";
import pino from "pino";
import { type Config, loadConfig } from "../config.js";
import type { CriticalityDeps } from "../criticality/index.js";
import { migrateToLatest, openDatabase } from "../db/index.js";
import { ECOSYSTEM_CHOICES, ECOSYSTEM_NAMES, isEcosystemName } from "../ecosystems/index.js";
import { systemClock } from "../lib/clock.js";
import { Keyring } from "../lib/crypto.js";
import { createMailer } from "../mail/index.js";
import {
  type ImportRecord,
  type ImportReport,
  importStats,
  listImports,
  rollupStats,
  StatsImportError,
} from "../stats/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";

export const STATS_HELP = `Usage: wharf stats import FILE [--format combined|csv] [--ecosystem ${ECOSYSTEM_NAMES.join("|")}] [--source NAME] [--force] [settings]
       wharf stats imports [--limit N] [--json] [settings]

Imports download statistics from a CDN or proxy. FILE may be gzipped.
  combined   An Apache/nginx "combined" (or "common") access log: each successful GET of a file under
             /files/<ecosystem>/... or of an npm tarball /npm/<name>/-/<file>.tgz is one download.
             Each file adds its downloads; the same content is never counted twice (a ledger keyed
             by its SHA-256, also when it comes back compressed or renamed).
  csv        date,ecosystem,project,count (header required; dates YYYY-MM-DD, UTC): daily totals.
             A row replaces what the same --source had for that project and day, so a corrected
             export can be imported over the old one.
  (default: csv when the first line is that header, else combined)

  --ecosystem E   Import only this ecosystem's downloads
  --source NAME   The stream the statistics come from (default "default"); sources add up, so give
                  each CDN or region its own name
  --force         Import a file the ledger already has (recognised by the SHA-256 of its content
                  before it is parsed) again: what the earlier import stored is replaced, not added to

The file is streamed (bounded memory, any size) and written in one transaction: a bad CSV row (its
line number is printed) or any failure leaves nothing. Unreadable log lines are skipped and counted.

On days an import covers, imported counts replace Wharf's own (a proxy in front of Wharf saw those
downloads too). Days older than the longest window in use (+35 days) are kept only as monthly totals:
an import folds rows dated before then into them and says how many.

  imports         The ledger, newest first: file, source, size, rows, days, what was folded, hash

${SETTINGS_HELP}`;

/** Wharf pieces the statistics and policy commands need, on the configured database; closed after. */
export async function withPolicyDeps<T>(
  config: Config,
  fn: (deps: CriticalityDeps) => Promise<T>,
): Promise<T> {
  const handle = openDatabase(config.databaseUrl);
  // Without a key, migration 011 refuses (and says so) only if clear giveaway codes wait for it.
  await migrateToLatest(handle, config.secretKey ? { keys: new Keyring(config.secretKey) } : {});
  const log = pino({ level: config.logLevel }, pino.destination(2));
  const mailer = createMailer({
    outboxDir: join(config.dataDir, "outbox"),
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    logger: log,
  });
  try {
    return await fn({ db: handle.db, dialect: handle.dialect, clock: systemClock, mailer, log, config });
  } finally {
    await mailer.close();
    await handle.close();
  }
}

export const fmt = (n: number) => n.toLocaleString("en-US");

/** Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  const mb = (b: number) => (b / 1048576).toFixed(1);
  return {
    update(p: { bytesRead: number; totalBytes: number; lines: number }) {
      const now = Date.now();
      const done = p.bytesRead >= p.totalBytes;
      if (!done && now - last < (stream.isTTY ? 100 : 5000)) return;
      last = now;
      const pct = p.totalBytes ? Math.min(100, Math.floor((100 * p.bytesRead) / p.totalBytes)) : 100;
      if (stream.isTTY) {
        const bar = "#".repeat(Math.floor(pct / 4)).padEnd(25, ".");
        stream.write(
          `\r[${bar}] ${String(pct).padStart(3)}%  ${mb(p.bytesRead)}/${mb(p.totalBytes)} MB  ${fmt(p.lines)} lines`,
        );
        if (done) stream.write("\n");
      } else
        stream.write(
          `progress: ${pct}% (${mb(p.bytesRead)} of ${mb(p.totalBytes)} MB, ${fmt(p.lines)} lines)\n`,
        );
    },
  };
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const span = (first: number | null, last: number | null) =>
  first === null ? "no days" : `${isoDayOf(first)}..${isoDayOf(last ?? first)}`;
const isoDayOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** One earlier import, as an operator recognises it. */
export function describeRecord(e: ImportRecord): string {
  const size = e.fileSize === null ? "" : `, ${fmt(e.fileSize)} bytes`;
  return `${e.fileName} on ${when(e.importedAt)} UTC (import ${e.id}, source "${e.source}", ${e.format}${e.scope === "*" ? "" : ` ${e.scope} only`}${size}: ${fmt(e.rows)} project-days over ${span(e.firstDay, e.lastDay)}${e.folded.rows ? `, ${fmt(e.folded.rows)} older rows folded into monthly totals` : ""})`;
}

export function describeImport(r: ImportReport): string {
  if (r.alreadyImported)
    return [
      `${r.file} was already imported (sha256 ${r.sha256.slice(0, 16)}…): ${r.earlier.map(describeRecord).join("; ")}. Nothing changed.`,
      `To import it again, replacing what that import stored rather than adding to it, add --force.`,
    ].join("\n");
  const s = r.skipped;
  const skipped = [
    s.malformed && `${fmt(s.malformed)} unreadable lines`,
    s.notDownload && `${fmt(s.notDownload)} requests that are not downloads`,
    s.otherEcosystem && `${fmt(s.otherEcosystem)} downloads of other ecosystems`,
    s.unresolved && `${fmt(s.unresolved)} downloads of files no project could be found for`,
    s.alreadyFolded &&
      `${fmt(s.alreadyFolded)} downloads before ${r.folded.before} that the earlier import or a roll-up already put in monthly totals`,
    s.future && `${fmt(s.future)} downloads dated in the future`,
  ].filter(Boolean);
  const days = r.firstDay ? ` over ${r.firstDay}..${r.lastDay}` : "";
  const f = r.folded;
  return [
    `Imported ${r.file} (${r.format}, source "${r.source}"${r.earlier.length ? ", --force: replacing the earlier import" : ""}): ${fmt(r.lines)} lines, ${fmt(r.downloads)} downloads of ${fmt(r.projects)} projects${days} (${fmt(r.rows)} project-days; net change ${r.netChange >= 0 ? "+" : ""}${fmt(r.netChange)}).`,
    ...(f.rows
      ? [
          `${fmt(f.rows)} rows before ${f.before} (${f.firstDay}..${f.lastDay}, ${fmt(f.downloads)} downloads) folded into ${fmt(f.months)} monthly totals: days are kept for the longest criticality or mandate window (+35 days). To keep older days as days, lengthen a window before importing (wharf policy rule set ... --window 730d); monthly totals do not turn back into days.`,
        ]
      : []),
    ...(skipped.length ? [`Skipped: ${skipped.join("; ")}.`] : []),
  ].join("\n");
}

/** `wharf stats import FILE ...`, `wharf stats imports` */
export async function statsCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    format: { type: "string" },
    ecosystem: { type: "string" },
    source: { type: "string" },
    force: { type: "boolean" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const help = asksHelp(values, sub);
  if (help || (sub !== "import" && sub !== "imports")) {
    console.log(STATS_HELP);
    return help ? 0 : 2;
  }
  if (sub === "imports") return importsCli(values);
  const path = positionals[0];
  if (!path) throw new UsageError("Give the file: wharf stats import FILE");
  const format = values.format as string | undefined;
  if (format !== undefined && format !== "combined" && format !== "csv")
    throw new UsageError("--format must be combined or csv");
  const ecosystem = values.ecosystem as string | undefined;
  if (ecosystem !== undefined && !isEcosystemName(ecosystem))
    throw new UsageError(`--ecosystem must be ${ECOSYSTEM_CHOICES}`);
  const config = loadConfig(process.env, settingFlags(values));
  return withPolicyDeps(config, async (deps) => {
    const progress = progressReporter();
    let report: ImportReport;
    try {
      report = await importStats(deps, {
        path,
        format,
        ecosystem,
        source: values.source as string | undefined,
        force: values.force === true,
        onProgress: (p) => progress.update(p),
      });
    } catch (e) {
      if (e instanceof StatsImportError)
        throw new UsageError(`${e.message.replace(/\.$/, "")}. Nothing was imported.`);
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`No such file: ${path}`);
      throw e;
    }
    if (report.alreadyImported) {
      // Refused: a script that imports each rotated log must notice a file it already gave.
      console.error(describeImport(report));
      return 1;
    }
    console.log(describeImport(report));
    const rollup = await rollupStats(deps);
    if (rollup.foldedRows + rollup.foldedOwnRows > 0)
      console.log(
        `Rolled up ${fmt(rollup.foldedRows + rollup.foldedOwnRows)} daily rows before ${rollup.cutoff} into monthly totals.`,
      );
    return 0;
  });
}

async function importsCli(values: Record<string, unknown>): Promise<number> {
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError("--limit must be a whole number from 1 to 10000");
  const config = loadConfig(process.env, settingFlags(values));
  return withPolicyDeps(config, async (deps) => {
    const list = await listImports(deps.db, { limit });
    if (values.json) {
      console.log(JSON.stringify(list, null, 2));
      return 0;
    }
    if (list.length === 0) {
      console.log("No statistics imported yet (wharf stats import FILE).");
      return 0;
    }
    for (const e of list) {
      console.log(
        `${when(e.importedAt)}  ${e.source.padEnd(10)} ${e.fileName}  ${e.format}${e.scope === "*" ? "" : `/${e.scope}`}${e.forced ? " (--force)" : ""}`,
      );
      console.log(
        `    ${e.fileSize === null ? "size unknown" : `${fmt(e.fileSize)} bytes`}, ${fmt(e.rows)} project-days (${fmt(e.downloads)} downloads) over ${span(e.firstDay, e.lastDay)}` +
          (e.folded.rows
            ? `; ${fmt(e.folded.rows)} rows (${fmt(e.folded.downloads)} downloads) folded into ${fmt(e.folded.months)} monthly totals`
            : "") +
          `; sha256 ${e.sha256.slice(0, 16)}…  ${e.id}`,
      );
    }
    return 0;
  });
}
