import { join } from "node:path";
import pino from "pino";
import { type Config, loadConfig } from "../config.js";
import type { CriticalityDeps } from "../criticality/index.js";
import { migrateToLatest, openDatabase } from "../db/index.js";
import { systemClock } from "../lib/clock.js";
import { Keyring } from "../lib/crypto.js";
import { createMailer } from "../mail/index.js";
import { type ImportReport, importStats, rollupStats, StatsImportError } from "../stats/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";

export const STATS_HELP = `Usage: wharf stats import FILE [--format combined|csv] [--ecosystem pypi|npm] [--source NAME] [settings]

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

On days an import covers, imported counts replace Wharf's own (a proxy in front of Wharf saw those
downloads too). Days older than the longest window in use (+35 days) are kept only as monthly totals.

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

export function describeImport(r: ImportReport): string {
  if (r.alreadyImported)
    return `${r.file} was already imported from source "${r.source}" (sha256 ${r.sha256.slice(0, 16)}…): nothing changed.`;
  const s = r.skipped;
  const skipped = [
    s.malformed && `${fmt(s.malformed)} unreadable lines`,
    s.notDownload && `${fmt(s.notDownload)} requests that are not downloads`,
    s.otherEcosystem && `${fmt(s.otherEcosystem)} downloads of other ecosystems`,
    s.unresolved && `${fmt(s.unresolved)} downloads of files no project could be found for`,
    s.tooOld && `${fmt(s.tooOld)} downloads before the retention window`,
    s.future && `${fmt(s.future)} downloads dated in the future`,
  ].filter(Boolean);
  const span = r.firstDay ? ` over ${r.firstDay}..${r.lastDay}` : "";
  return [
    `Imported ${r.file} (${r.format}, source "${r.source}"): ${fmt(r.lines)} lines, ${fmt(r.downloads)} downloads of ${fmt(r.projects)} projects${span} (${fmt(r.rows)} project-days; net change ${r.netChange >= 0 ? "+" : ""}${fmt(r.netChange)}).`,
    ...(skipped.length ? [`Skipped: ${skipped.join("; ")}.`] : []),
  ].join("\n");
}

/** `wharf stats import FILE ...` */
export async function statsCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    format: { type: "string" },
    ecosystem: { type: "string" },
    source: { type: "string" },
  });
  const help = asksHelp(values, sub);
  if (help || sub !== "import") {
    console.log(STATS_HELP);
    return help ? 0 : 2;
  }
  const path = positionals[0];
  if (!path) throw new UsageError("Give the file: wharf stats import FILE");
  const format = values.format as string | undefined;
  if (format !== undefined && format !== "combined" && format !== "csv")
    throw new UsageError("--format must be combined or csv");
  const ecosystem = values.ecosystem as string | undefined;
  if (ecosystem !== undefined && ecosystem !== "pypi" && ecosystem !== "npm")
    throw new UsageError("--ecosystem must be pypi or npm");
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
        onProgress: (p) => progress.update(p),
      });
    } catch (e) {
      if (e instanceof StatsImportError) throw new UsageError(e.message);
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`No such file: ${path}`);
      throw e;
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
