import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DbExecutor } from "../db/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { type ComputeReport, type CriticalityDeps, computeCriticality } from "./criticality.js";
import { deliverPolicyMail } from "./criticality-queue.js";
import { type RollupReport, rollupStats } from "./stats-rollup.js";

/**
 * Single-instance jobs: a row in job_leases names its holder until `expires_at`. Taking it is one
 * upsert that only succeeds when the row is free, expired or already ours, so two instances racing
 * for it cannot both win; a crashed holder's lease simply runs out.
 */
export async function acquireLease(
  db: DbExecutor,
  name: string,
  holder: string,
  ttlMs: number,
  now: number,
): Promise<boolean> {
  const r = await db
    .insertInto("job_leases")
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((oc) =>
      oc
        .column("name")
        .doUpdateSet({ holder, expires_at: now + ttlMs })
        .where((eb) => eb.or([eb("job_leases.expires_at", "<=", now), eb("job_leases.holder", "=", holder)])),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function releaseLease(db: DbExecutor, name: string, holder: string): Promise<void> {
  await db.deleteFrom("job_leases").where("name", "=", name).where("holder", "=", holder).execute();
}

/** Runs `fn` while holding the lease; `{ ran: false }` when another holder has it. */
export async function withLease<T>(
  db: DbExecutor,
  name: string,
  holder: string,
  ttlMs: number,
  now: number,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false; heldUntil: number | null }> {
  if (!(await acquireLease(db, name, holder, ttlMs, now))) {
    const r = await db
      .selectFrom("job_leases")
      .select("expires_at")
      .where("name", "=", name)
      .executeTakeFirst();
    return { ran: false, heldUntil: r?.expires_at ?? null };
  }
  try {
    return { ran: true, value: await fn() };
  } finally {
    await releaseLease(db, name, holder);
  }
}

export const instanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

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
 * Runs `task` now and then on this instance: first after `firstDelayMs` (restarts of a deployment do not
 * pile up work), then every `intervalMs`, never two at once. Timers do not keep the process alive. The
 * returned stop function waits for a run in progress (graceful shutdown keeps the database open for it).
 */
export function repeatEvery(
  task: () => Promise<void>,
  opts: { intervalMs: number; firstDelayMs: number },
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = task().finally(() => {
      running = null;
    });
  };
  const first = setTimeout(tick, opts.firstDelayMs);
  const timer = setInterval(tick, opts.intervalMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
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
