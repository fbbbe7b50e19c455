import type { DbExecutor } from "../db/index.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { type RollupReport, rollupStats } from "../stats/index.js";
import { type ComputeReport, type CriticalityDeps, computeCriticality } from "./compute.js";
import { deliverPolicyMail } from "./queue.js";

export const CRITICALITY_LEASE = "criticality";
/** A job_leases row whose expires_at is when the daily job is next due. */
const CRITICALITY_NEXT = "criticality.next";
const LEASE_TTL = 15 * MINUTE;

export type JobRun =
  | { ran: true; reports: ComputeReport[]; rollup: RollupReport }
  | { ran: false; why: "not-due" | "busy" };

async function due(db: DbExecutor, now: number): Promise<boolean> {
  const r = await db
    .selectFrom("job_leases")
    .select("expires_at")
    .where("name", "=", CRITICALITY_NEXT)
    .executeTakeFirst();
  return !r || r.expires_at <= now;
}

/**
 * One daily run across all instances: when due, take the lease, check again (another instance may
 * have just finished), compute every ecosystem, roll up old statistics, and set the next due time.
 */
export async function runCriticalityJob(deps: CriticalityDeps, holder: string): Promise<JobRun> {
  const now = deps.clock.now();
  if (!(await due(deps.db, now))) return { ran: false, why: "not-due" };
  const r = await withLease(deps.db, CRITICALITY_LEASE, holder, LEASE_TTL, now, async () => {
    if (!(await due(deps.db, deps.clock.now()))) return null;
    const reports = await computeCriticality(deps);
    const rollup = await rollupStats(deps);
    const next = deps.clock.now() + DAY;
    await deps.db
      .insertInto("job_leases")
      .values({ name: CRITICALITY_NEXT, holder, expires_at: next })
      .onConflict((oc) => oc.column("name").doUpdateSet({ holder, expires_at: next }))
      .execute();
    return { reports, rollup };
  });
  if (!r.ran) return { ran: false, why: "busy" };
  return r.value ? { ran: true, ...r.value } : { ran: false, why: "not-due" };
}

/**
 * Starts the daily criticality job on this instance (every instance may start it; the lease makes one
 * of them run it), then sends the mail it queued. Checks every 30 minutes, the first time a few minutes after start-up so a
 * deployment's restarts do not pile up work. Returns a stop function that waits for a run in progress.
 */
export function startCriticalityJob(
  deps: CriticalityDeps,
  opts: { intervalMs?: number; firstDelayMs?: number } = {},
): () => Promise<void> {
  const holder = instanceId();
  return repeatEvery(
    () =>
      runCriticalityJob(deps, holder)
        .then((r) => {
          if (r.ran)
            deps.log.info({ reports: r.reports.map(summary), rollup: r.rollup }, "criticality job ran");
        })
        // Also retries mail an earlier tick could not send.
        .then(() => deliverPolicyMail(deps))
        .then((m) => {
          if (m.sent || m.failed) deps.log.info(m, "criticality mail delivered");
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "criticality job failed")),
    { intervalMs: opts.intervalMs ?? 30 * MINUTE, firstDelayMs: opts.firstDelayMs ?? 5 * MINUTE },
  );
}

const summary = (r: ComputeReport) => ({
  ecosystem: r.ecosystem,
  added: r.added.length,
  removed: r.removed.length,
  critical: r.critical,
});
