import type { Deps } from "../deps.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { HOUR, MINUTE } from "../lib/clock.js";
import { type ReconcileOptions, type ReconcileReport, reconcileBlobs } from "../packages/index.js";
import { expireStaged } from "../staging/index.js";
import { type PurgeReport, purgeSpent } from "./purge.js";
import { saveReport } from "./reports.js";

type JobDeps = Pick<Deps, "db" | "dialect" | "blobs" | "clock" | "log">;

/** The one summary line a reconcile logs (server job and CLI alike). */
export function reconcileSummary(r: ReconcileReport): string {
  const verb = r.dryRun ? "would delete" : "deleted";
  return (
    `blob reconcile${r.complete ? "" : " (incomplete: time budget ran out)"}: ${r.blobsListed} blobs listed, ` +
    `${verb} ${r.orphansDeleted} without a row, kept ${r.orphansYoung} recent (upload in flight?), ` +
    `${r.missing} file rows without a blob${r.missing ? " (marked; see wharf storage reconcile)" : ""}`
  );
}

/** Runs a reconcile and keeps its report (not for a dry run: it changed nothing worth recording). */
export async function reconcileAndReport(
  deps: JobDeps,
  opts: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const report = await reconcileBlobs(deps, opts);
  if (!report.dryRun) await saveReport(deps.db, "reconcile", report);
  return report;
}

export async function purgeAndReport(deps: JobDeps): Promise<PurgeReport> {
  const report = await purgeSpent(deps);
  await saveReport(deps.db, "purge", report);
  return report;
}

/**
 * Both housekeeping jobs, leased so one instance runs each. The reconcile's first run is its start-up
 * run: a minute after start, in the background, so /readyz never waits for a listing of the store;
 * each run is bounded by a time budget (reconcileBlobs). Then every 6 hours. The purge runs hourly;
 * each run deletes at most its batch cap per table, so a large backlog drains over several runs.
 */
export function startHousekeepingJobs(
  deps: JobDeps,
  opts: { reconcileEveryMs?: number; purgeEveryMs?: number; firstDelayMs?: number } = {},
): () => Promise<void> {
  const holder = instanceId();
  const reconcileEvery = opts.reconcileEveryMs ?? 6 * HOUR;
  const purgeEvery = opts.purgeEveryMs ?? HOUR;
  const firstDelayMs = opts.firstDelayMs ?? MINUTE;
  const stopReconcile = repeatEvery(
    () =>
      withLease(deps.db, "blob-reconcile", holder, 15 * MINUTE, deps.clock.now(), () =>
        reconcileAndReport(deps),
      )
        .then((r) => {
          if (!r.ran) return;
          const level = r.value.missing || !r.value.complete ? "warn" : "info";
          deps.log[level](
            {
              orphansDeleted: r.value.orphansDeleted,
              missing: r.value.missing,
              orphanKeys: r.value.orphanKeys,
            },
            reconcileSummary(r.value),
          );
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "blob reconcile failed")),
    { intervalMs: reconcileEvery, firstDelayMs },
  );
  const stopPurge = repeatEvery(
    () =>
      withLease(deps.db, "purge-spent", holder, 15 * MINUTE, deps.clock.now(), () => purgeAndReport(deps))
        .then((r) => {
          if (r.ran && Object.values(r.value.deleted).some((n) => n > 0))
            deps.log.info({ deleted: r.value.deleted, backlog: r.value.backlog }, "purged spent records");
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "purge of spent records failed")),
    { intervalMs: purgeEvery, firstDelayMs: firstDelayMs * 2 },
  );
  // Staged releases past WHARF_STAGED_RELEASE_DAYS: expired, their files removed (staging/).
  const stopExpiry = repeatEvery(
    () =>
      withLease(deps.db, "staged-expiry", holder, 15 * MINUTE, deps.clock.now(), () => expireStaged(deps))
        .then((r) => {
          if (r.ran && r.value > 0) deps.log.info({ expired: r.value }, "staged releases expired");
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "expiry of staged releases failed")),
    { intervalMs: 15 * MINUTE, firstDelayMs: firstDelayMs * 3 },
  );
  return async () => {
    await Promise.all([stopReconcile(), stopPurge(), stopExpiry()]);
  };
}
