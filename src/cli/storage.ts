import { hostname } from "node:os";
import pino from "pino";
import { recordAudit } from "../admin/index.js";
import { loadConfig } from "../config.js";
import { migrateToLatest, openDatabase } from "../db/index.js";
import { reconcileAndReport, reconcileSummary } from "../housekeeping/index.js";
import { instanceId, withLease } from "../jobs/index.js";
import { HOUR, MINUTE, systemClock } from "../lib/clock.js";
import { listMissingBlobs, reconcileBlobs } from "../packages/index.js";
import { createBlobStore } from "../storage/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor } from "./audit.js";

export const STORAGE_HELP = `Usage: wharf storage reconcile [--dry-run] [--grace-minutes N] [settings]

Compares the blob store (files or S3) with the database's file rows, both ways, and prints the report:
  blobs without a row   older than the grace period (default 60 minutes): deleted. A younger one may
                        belong to an upload between its blob's rename and its row's commit, so it stays.
  rows without a blob   reported and marked (listed here and on the console dashboard), never deleted:
                        that would hide the data loss. Their downloads answer 404; restore the blob
                        (from a backup) and the next run clears the mark.
  --dry-run             Report only: delete nothing, mark nothing.

The server runs the same reconcile a minute after it starts and every 6 hours (one instance at a time);
this command waits for neither. Deletions are recorded in the audit log as cli:<os user>@<host>.
Exits 1 when file rows without a blob were found, 0 otherwise.

${SETTINGS_HELP}`;

/** `wharf storage reconcile`: the operator's run of the blob/row reconcile, with the full report. */
export async function storageCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    "dry-run": { type: "boolean" },
    "grace-minutes": { type: "string" },
  });
  const help = asksHelp(values, sub);
  if (help || sub !== "reconcile") {
    console.log(STORAGE_HELP);
    return help ? 0 : 2;
  }
  if (positionals.length) throw new UsageError("wharf storage reconcile takes no arguments; see --help.");
  const graceRaw = values["grace-minutes"];
  const graceMinutes = graceRaw === undefined ? 60 : Number(graceRaw);
  if (!Number.isInteger(graceMinutes) || graceMinutes < 0)
    throw new UsageError("--grace-minutes must be a whole number of minutes (0 or more).");
  const dryRun = values["dry-run"] === true;
  const config = loadConfig(process.env, settingFlags(values));
  const handle = openDatabase(config.databaseUrl);
  const log = pino({ level: config.logLevel }, pino.destination(2));
  try {
    await migrateToLatest(handle, {});
    const deps = {
      db: handle.db,
      dialect: handle.dialect,
      blobs: await createBlobStore(config),
      clock: systemClock,
      log,
    };
    const opts = { dryRun, graceMs: graceMinutes * MINUTE, budgetMs: 24 * HOUR };
    // Dry runs change nothing and need no lease; a real run must not race the server's own run.
    const run = dryRun
      ? { ran: true as const, value: await reconcileBlobs(deps, opts) }
      : await withLease(
          handle.db,
          "blob-reconcile",
          `cli:${hostname()}:${instanceId()}`,
          15 * MINUTE,
          Date.now(),
          () => reconcileAndReport(deps, opts),
        );
    if (!run.ran) {
      console.error(
        `A reconcile is running on a server instance (lease held until ${new Date(run.heldUntil ?? 0).toISOString()}); try again later.`,
      );
      return 1;
    }
    const r = run.value;
    console.log(reconcileSummary(r));
    if (r.orphanKeys.length) {
      console.log(`\nBlobs without a row${dryRun ? " (would be deleted)" : " (deleted)"}:`);
      for (const k of r.orphanKeys) console.log(`  ${k}`);
      if (r.orphansDeleted > r.orphanKeys.length)
        console.log(`  ... and ${r.orphansDeleted - r.orphanKeys.length} more`);
    }
    const missing = dryRun ? r.missingFiles : await listMissingBlobs(deps, 50);
    if (r.missing) {
      console.log(
        "\nFile rows without a blob (kept; restore the blob from a backup, or remove the release):",
      );
      for (const m of missing) console.log(`  ${m.filename}  ${m.blobKey}`);
      if (r.missing > missing.length) console.log(`  ... and ${r.missing - missing.length} more`);
    }
    if (!dryRun && r.orphansDeleted > 0) {
      await recordAudit(handle.db, Date.now(), cliActor(), {
        action: "storage.reconcile",
        targetType: "storage",
        target: deps.blobs.kind,
        reason: "wharf storage reconcile: blobs without a file row removed",
        data: { orphansDeleted: r.orphansDeleted, missing: r.missing, sample: r.orphanKeys.slice(0, 10) },
      });
    }
    return r.missing ? 1 : 0;
  } finally {
    await handle.close();
  }
}
