import { type RawBuilder, sql } from "kysely";
import type { Deps } from "../deps.js";
import { HOUR, MINUTE } from "../lib/clock.js";
import type { ListedBlob } from "../storage/index.js";

type ReconcileDeps = Pick<Deps, "db" | "dialect" | "blobs" | "clock" | "log">;

export interface ReconcileOptions {
  /** Report only: delete no blob, mark no row. */
  dryRun?: boolean;
  /**
   * A blob without a row younger than this is left alone. The race it covers: an upload renames its blob
   * into place inside the transaction that inserts the row (storage/putWithRow), so between the rename and
   * the commit the blob exists and its row is not visible yet. A process killed in that window leaves the
   * orphan this job exists for; a live upload in that window must not lose its blob. Default 1 hour.
   */
  graceMs?: number;
  /** Stop after this long (the report then says incomplete; marks are kept, none cleared). */
  budgetMs?: number;
  /** Keys per page of the store's listing (and per database query). */
  pageSize?: number;
}

export interface MissingBlob {
  blobKey: string;
  fileId: string;
  projectId: string;
  filename: string;
}

export interface ReconcileReport {
  startedAt: number;
  finishedAt: number;
  dryRun: boolean;
  /** False when the time budget ran out before the whole store was listed. */
  complete: boolean;
  blobsListed: number;
  /** Blobs without a row, older than the grace period: deleted (or, dry run, would be). */
  orphansDeleted: number;
  /** Blobs without a row within the grace period: possibly an upload in flight, kept. */
  orphansYoung: number;
  /** Rows whose blob is missing: marked in missing_blobs, never deleted. */
  missing: number;
  /** The first few of each, for the log line and the CLI. */
  orphanKeys: string[];
  missingFiles: MissingBlob[];
}

const SAMPLE = 50;

/**
 * Reconciles the blob store with the file rows, both ways, one bounded page at a time.
 *
 * The store lists keys in ascending byte order (S3's order; the filesystem walk sorts to match). Page i
 * covers the key range (last key of page i-1, last key of page i]; the rows whose blob_key or
 * metadata_blob_key falls in that range are read in key order (indexed, migration 022), so every row is
 * compared with exactly one page: a listed key no row names is an orphan, a row whose key the page does
 * not hold has lost its blob. The final range is open-ended, so rows past the last blob are found too.
 * Memory holds one page of keys; each query is LIMITed.
 */
export async function reconcileBlobs(
  deps: ReconcileDeps,
  opts: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const dryRun = opts.dryRun ?? false;
  const graceMs = opts.graceMs ?? HOUR;
  const budgetMs = opts.budgetMs ?? 10 * MINUTE;
  const pageSize = opts.pageSize ?? 1000;
  const startedAt = deps.clock.now();
  const deadline = Date.now() + budgetMs;
  const report: ReconcileReport = {
    startedAt,
    finishedAt: startedAt,
    dryRun,
    complete: false,
    blobsListed: 0,
    orphansDeleted: 0,
    orphansYoung: 0,
    missing: 0,
    orphanKeys: [],
    missingFiles: [],
  };

  let lower: string | null = null;
  let outOfTime = false;
  for await (const page of deps.blobs.list(pageSize)) {
    report.blobsListed += page.length;
    const upper = page[page.length - 1]?.key ?? null;
    await comparePage(deps, report, page, lower, upper, { dryRun, graceMs, pageSize, startedAt });
    lower = upper;
    if (Date.now() > deadline) {
      outOfTime = true;
      break;
    }
  }
  if (!outOfTime) {
    // Rows past the last listed key (or every row, for an empty store).
    await comparePage(deps, report, [], lower, null, { dryRun, graceMs, pageSize, startedAt });
    report.complete = true;
    // Rows marked by an earlier run that this complete run did not find missing: found again, or deleted.
    if (!dryRun) await deps.db.deleteFrom("missing_blobs").where("last_seen_at", "<", startedAt).execute();
  }
  report.finishedAt = deps.clock.now();
  return report;
}

interface PageOptions {
  dryRun: boolean;
  graceMs: number;
  pageSize: number;
  startedAt: number;
}

async function comparePage(
  deps: ReconcileDeps,
  report: ReconcileReport,
  page: ListedBlob[],
  lower: string | null,
  upper: string | null,
  opts: PageOptions,
): Promise<void> {
  const listed = new Map(page.map((b) => [b.key, b]));
  const named = new Set<string>();
  for (const column of ["blob_key", "metadata_blob_key"] as const) {
    for await (const rows of rowsInRange(deps, column, lower, upper, opts.pageSize)) {
      for (const row of rows) {
        if (listed.has(row.key)) {
          named.add(row.key);
          continue;
        }
        report.missing++;
        const missing = {
          blobKey: row.key,
          fileId: row.id,
          projectId: row.project_id,
          filename: row.filename,
        };
        if (report.missingFiles.length < SAMPLE) report.missingFiles.push(missing);
        if (!opts.dryRun) await markMissing(deps, missing, opts.startedAt);
      }
    }
  }
  for (const key of await stagedKeys(
    deps,
    page.map((b) => b.key).filter((k) => !named.has(k)),
  ))
    named.add(key);
  const now = Date.now();
  for (const blob of page) {
    if (named.has(blob.key)) continue;
    if (now - blob.modifiedAt < opts.graceMs) {
      report.orphansYoung++;
      continue;
    }
    if (!opts.dryRun && !(await deleteOrphan(deps, blob, opts.graceMs))) {
      report.orphansYoung++;
      continue;
    }
    report.orphansDeleted++;
    if (report.orphanKeys.length < SAMPLE) report.orphanKeys.push(blob.key);
  }
}

/** Byte-order comparison of a key column: PostgreSQL's default collation sorts by locale rules, not bytes. */
function keyRef(deps: ReconcileDeps, column: "blob_key" | "metadata_blob_key"): RawBuilder<string> {
  return deps.dialect === "postgres"
    ? sql<string>`${sql.ref(column)} collate "C"`
    : sql<string>`${sql.ref(column)}`;
}

/** The rows whose key lies in (lower, upper] (null: unbounded), in key order, `pageSize` at a time. */
async function* rowsInRange(
  deps: ReconcileDeps,
  column: "blob_key" | "metadata_blob_key",
  lower: string | null,
  upper: string | null,
  pageSize: number,
): AsyncGenerator<Array<{ id: string; project_id: string; filename: string; key: string }>> {
  const key = keyRef(deps, column);
  let after = lower;
  for (;;) {
    let q = deps.db
      .selectFrom("files")
      .select(["id", "project_id", "filename", sql<string>`${sql.ref(column)}`.as("key")])
      .where(sql.ref(column), "is not", null);
    if (after !== null) q = q.where(key, ">", after);
    if (upper !== null) q = q.where(key, "<=", upper);
    const rows = await q.orderBy(key).limit(pageSize).execute();
    if (rows.length) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]?.key ?? null;
  }
}

/**
 * The keys among `keys` that a staged release's files name (staging/, migration 034): stored under
 * their final keys before any `files` row names them, they are not orphans while the release waits.
 */
async function stagedKeys(deps: ReconcileDeps, keys: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const rows = await deps.db
      .selectFrom("staged_files")
      .select(["blob_key", "metadata_blob_key"])
      .where((eb) => eb.or([eb("blob_key", "in", chunk), eb("metadata_blob_key", "in", chunk)]))
      .execute();
    for (const r of rows) out.push(r.blob_key, ...(r.metadata_blob_key ? [r.metadata_blob_key] : []));
  }
  return out;
}

async function markMissing(deps: ReconcileDeps, m: MissingBlob, at: number): Promise<void> {
  await deps.db
    .insertInto("missing_blobs")
    .values({
      blob_key: m.blobKey,
      file_id: m.fileId,
      project_id: m.projectId,
      filename: m.filename,
      first_seen_at: at,
      last_seen_at: at,
    })
    .onConflict((oc) => oc.column("blob_key").doUpdateSet({ last_seen_at: at, file_id: m.fileId }))
    .execute();
}

/**
 * Deletes an orphan after looking again: a row committed since the page was compared, or a blob rewritten
 * since it was listed (the same file uploaded again after a crash: same content-addressed key, in flight
 * now), keeps it. What remains is the instant between this check and the delete.
 */
async function deleteOrphan(deps: ReconcileDeps, blob: ListedBlob, graceMs: number): Promise<boolean> {
  const row = await deps.db
    .selectFrom("files")
    .select("id")
    .where((eb) => eb.or([eb("blob_key", "=", blob.key), eb("metadata_blob_key", "=", blob.key)]))
    .executeTakeFirst();
  if (row) return false;
  if ((await stagedKeys(deps, [blob.key])).length) return false;
  const now = await deps.blobs.stat(blob.key);
  if (!now) return true;
  if (now.modifiedAt !== blob.modifiedAt || Date.now() - now.modifiedAt < graceMs) return false;
  await deps.blobs.delete(blob.key);
  return true;
}

/** What the last reconcile marked: rows whose blob is missing, for the operator (newest mark first). */
export async function listMissingBlobs(
  deps: Pick<Deps, "db">,
  limit = 100,
): Promise<Array<MissingBlob & { firstSeenAt: number; lastSeenAt: number }>> {
  const rows = await deps.db
    .selectFrom("missing_blobs")
    .selectAll()
    .orderBy("first_seen_at", "desc")
    .orderBy("blob_key")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    blobKey: r.blob_key,
    fileId: r.file_id,
    projectId: r.project_id,
    filename: r.filename,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
  }));
}
