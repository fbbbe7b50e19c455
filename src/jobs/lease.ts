import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DbExecutor } from "../db/index.js";

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

/** Runs `fn` while holding the lease (renewed as it runs); `{ ran: false }` when another holder has it. */
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
  // A job may outlive its TTL (a criticality run over a large registry, a slow mail server): renew the
  // lease every third of it while the job runs, so no other instance takes it over mid-run. The TTL
  // still bounds how long a crashed holder blocks the job.
  const started = Date.now();
  let renewal: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      const expires = now + (Date.now() - started) + ttlMs;
      renewal = db
        .updateTable("job_leases")
        .set({ expires_at: expires })
        .where("name", "=", name)
        .where("holder", "=", holder)
        .execute()
        .catch(() => undefined);
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  try {
    return { ran: true, value: await fn() };
  } finally {
    clearInterval(timer);
    await renewal;
    await releaseLease(db, name, holder);
  }
}

export const instanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

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
