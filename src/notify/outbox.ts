import { randomUUID } from "node:crypto";
import { afterCommit, type Db, type DbExecutor, transaction } from "../db/index.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { type Clock, HOUR, MINUTE } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import { claimMailSlot } from "./once.js";
import { templateByName, templateName } from "./registry.js";
import { type NotifyDeps, render } from "./send.js";
import type { Template } from "./templates/common.js";

/*
 * The notification outbox: a mail written by the transaction that makes the change it reports (a
 * security event, via recordEvent), so the change never commits without its mail nor the mail without
 * the change. Right after commit the request sends it; if the process dies first, or the mailer fails,
 * the outbox job sends it later, with backoff, and gives up (logged, row kept) after MAX_ATTEMPTS.
 */

/** One mail to queue: a registered template, its vars (stored as JSON), optionally coalesced. */
export interface Notification<V> {
  to: string;
  template: Template<V>;
  vars: V;
  /** Coalescing kind: at most one such mail per account per window (notify/once.ts). */
  once?: string;
}

export type OutboxDeps = NotifyDeps & { db: Db; clock: Clock };

/** A claim older than this is presumed dead (its process crashed mid-send) and is taken over. */
const CLAIM_TTL = 10 * MINUTE;
/** About a day of tries (1 min, 2, 4, … capped at 6 h) before a mail is given up. */
export const MAX_ATTEMPTS = 12;
const backoff = (attempts: number) => Math.min(MINUTE * 2 ** (attempts - 1), 6 * HOUR);

// The apps whose transactions send their queued mail after commit (attachOutbox): a transaction knows
// its database, not the mailer, and the after-commit send needs both. Matched on `deps.db` when the
// hook runs, so a database swapped into deps later (a test's query-counting plugin) is still found.
const attached = new Set<OutboxDeps>();
const depsOf = (db: Db) => [...attached].find((d) => d.db === db);

/** Lets transactions on `deps.db` send their queued mail right after commit; returns the detach. */
export function attachOutbox(deps: OutboxDeps): () => void {
  attached.add(deps);
  return () => {
    attached.delete(deps);
  };
}

/**
 * Queues a mail in `db`'s transaction and sends it once that commits (on the database itself: in a
 * transaction of its own). Returns false when coalescing held it back. The `once` slot is claimed in
 * the same transaction: a rolled-back change does not use up the owner's one warning.
 */
export async function queueNotification<V>(
  db: DbExecutor,
  now: number,
  userId: string | null,
  n: Notification<V>,
): Promise<boolean> {
  if (!db.isTransaction) return transaction(db as Db, (tx) => queueNotification(tx, now, userId, n));
  if (n.once) {
    if (!userId) throw new Error("a coalesced mail needs the account it is coalesced for");
    if (!(await claimMailSlot(db, now, userId, n.once))) return false;
  }
  const id = newId(now);
  await db
    .insertInto("notify_outbox")
    .values({
      id,
      to_addr: n.to,
      template: templateName(n.template as Template<never>),
      vars: JSON.stringify(n.vars),
      created_at: now,
      next_attempt_at: now,
    })
    .execute();
  await afterCommit(db, async (root) => {
    const deps = depsOf(root);
    // No deliverer (a CLI command): the job of a running server sends it.
    if (deps) await deliverOutbox(deps, [id]);
  });
  return true;
}

/**
 * Sends queued mail: the given ids (right after their commit) or everything due (the job), oldest
 * first. Rows are claimed with a compare-and-swap update, so instances and requests draining together
 * never send one twice. Never throws for a mail: a failure is logged and scheduled again.
 */
export async function deliverOutbox(
  deps: OutboxDeps,
  ids?: string[],
): Promise<{ sent: number; failed: number; gaveUp: number }> {
  const totals = { sent: 0, failed: 0, gaveUp: 0 };
  for (;;) {
    const now = deps.clock.now();
    const holder = randomUUID();
    let due = deps.db
      .selectFrom("notify_outbox")
      .select("id")
      .where("gave_up_at", "is", null)
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("claimed_at", "is", null), eb("claimed_at", "<", now - CLAIM_TTL)]));
    if (ids) due = due.where("id", "in", ids);
    const batch = (await due.orderBy("id").limit(100).execute()).map((r) => r.id);
    if (batch.length === 0) break;
    await deps.db
      .updateTable("notify_outbox")
      .set((eb) => ({ claimed_by: holder, claimed_at: now, attempts: eb("attempts", "+", 1) }))
      .where("id", "in", batch)
      .where((eb) => eb.or([eb("claimed_at", "is", null), eb("claimed_at", "<", now - CLAIM_TTL)]))
      .execute();
    const mine = await deps.db
      .selectFrom("notify_outbox")
      .selectAll()
      .where("id", "in", batch)
      .where("claimed_by", "=", holder)
      .orderBy("id")
      .execute();
    let sent = 0;
    for (const row of mine) {
      const outcome = await deliverOne(deps, row, now);
      totals[outcome]++;
      if (outcome === "sent") sent++;
    }
    // Given ids are done in one pass; the job stops when a batch sent nothing (only failures left).
    if (ids || sent === 0) break;
  }
  return totals;
}

async function deliverOne(
  deps: OutboxDeps,
  row: { id: string; to_addr: string; template: string; vars: string; attempts: number },
  now: number,
): Promise<"sent" | "failed" | "gaveUp"> {
  const template = templateByName(row.template);
  const context = { to: row.to_addr, template: row.template, attempts: row.attempts };
  let error: unknown = new Error(`unknown mail template ${row.template}`);
  if (template) {
    try {
      await deps.mailer.send(render({ ...deps.config, now }, row.to_addr, template, JSON.parse(row.vars)));
      await deps.db.deleteFrom("notify_outbox").where("id", "=", row.id).execute();
      return "sent";
    } catch (e) {
      error = e;
    }
  }
  const row_ = deps.db.updateTable("notify_outbox").where("id", "=", row.id);
  const lastError = String((error as Error)?.message ?? error).slice(0, 500);
  // An unknown template never becomes known by waiting: give it up at once.
  if (!template || row.attempts >= MAX_ATTEMPTS) {
    await row_.set({ gave_up_at: now, claimed_by: null, claimed_at: null, last_error: lastError }).execute();
    deps.log.error({ err: error, ...context }, "mail given up: it could not be sent");
    return "gaveUp";
  }
  await row_
    .set({
      next_attempt_at: now + backoff(row.attempts),
      claimed_by: null,
      claimed_at: null,
      last_error: lastError,
    })
    .execute();
  deps.log.error({ err: error, ...context }, "mail could not be sent; will retry");
  return "failed";
}

/** Every minute, one instance at a time: sends what a crash or a mail outage left in the outbox. */
export function startOutboxJob(deps: OutboxDeps, intervalMs = MINUTE): () => Promise<void> {
  const holder = instanceId();
  return repeatEvery(
    () =>
      withLease(deps.db, "notify-outbox", holder, 5 * MINUTE, deps.clock.now(), () => deliverOutbox(deps))
        .then(() => undefined)
        .catch((e: unknown) => deps.log.error({ err: e }, "mail outbox job failed")),
    { intervalMs, firstDelayMs: intervalMs },
  );
}
