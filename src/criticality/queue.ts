import { randomUUID } from "node:crypto";
import type { DbExecutor } from "../db/index.js";
import { MINUTE } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import type { MailMessage } from "../mail/index.js";
import type { CriticalityDeps } from "./compute.js";

/**
 * Criticality mail goes through a small queue: messages are inserted by the transaction that
 * designates the projects (so a designation never commits without its mail, nor the mail without the
 * designation) and sent afterwards by `deliverPolicyMail`, on any instance. The job's first run on a
 * big registry designates thousands of projects; it does not hold its lease while an SMTP server
 * takes thousands of messages, and a crash or an SMTP outage delays mail instead of losing it.
 */
export async function enqueueMail(db: DbExecutor, now: number, mails: MailMessage[]): Promise<string[]> {
  const rows = mails.map((m) => ({
    id: newId(now),
    to_addr: m.to,
    subject: m.subject,
    body: m.text,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto("policy_mail")
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.map((r) => r.id);
}

/**
 * Takes a queued message back before it is sent (a later part of the same run replaces it with a
 * fuller one). False when it is gone: already claimed for sending, or sent.
 */
export async function withdrawMail(db: DbExecutor, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom("policy_mail")
    .where("id", "=", id)
    .where("claimed_at", "is", null)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A claim older than this is presumed dead (its instance crashed mid-send) and is taken over. */
const CLAIM_TTL = 10 * MINUTE;
/** After this many attempts a message stays in the table for an operator to look at. */
const MAX_ATTEMPTS = 10;

/**
 * Sends queued criticality mail, oldest first, deleting each message once the mailer took it. Batches
 * are claimed with a compare-and-swap update, so instances draining the queue together never send a
 * message twice. Returns how many were sent and how many failed (kept for a later attempt).
 */
export async function deliverPolicyMail(
  deps: Pick<CriticalityDeps, "db" | "mailer" | "log" | "clock">,
): Promise<{ sent: number; failed: number }> {
  const holder = randomUUID();
  let sent = 0;
  let failed = 0;
  for (;;) {
    const now = deps.clock.now();
    const open = (q: ReturnType<typeof pending>) =>
      q.where((eb) => eb.or([eb("claimed_at", "is", null), eb("claimed_at", "<", now - CLAIM_TTL)]));
    const pending = () => deps.db.selectFrom("policy_mail").where("attempts", "<", MAX_ATTEMPTS);
    const ids = (await open(pending()).select("id").orderBy("id").limit(200).execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await deps.db
      .updateTable("policy_mail")
      .set((eb) => ({ claimed_by: holder, claimed_at: now, attempts: eb("attempts", "+", 1) }))
      .where("id", "in", ids)
      .where((eb) => eb.or([eb("claimed_at", "is", null), eb("claimed_at", "<", now - CLAIM_TTL)]))
      .execute();
    const mine = await deps.db
      .selectFrom("policy_mail")
      .selectAll()
      .where("id", "in", ids)
      .where("claimed_by", "=", holder)
      .where("claimed_at", "=", now)
      .orderBy("id")
      .execute();
    const done: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < mine.length) {
        const m = mine[next++]!;
        try {
          await deps.mailer.send({ to: m.to_addr, subject: m.subject, text: m.body });
          done.push(m.id);
        } catch (e) {
          failed++;
          deps.log.error(
            { err: e, to: m.to_addr, subject: m.subject },
            "criticality mail could not be sent; will retry",
          );
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    if (done.length) await deps.db.deleteFrom("policy_mail").where("id", "in", done).execute();
    sent += done.length;
    // Only failures left in this batch: stop, they are retried after CLAIM_TTL.
    if (done.length === 0) break;
  }
  return { sent, failed };
}
