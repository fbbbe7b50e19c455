import type { DbExecutor } from "../db/index.js";
import { MINUTE } from "../lib/clock.js";

/** At most one security mail of a kind per account in this window (issue 11 LOW 14). */
export const COALESCE_WINDOW = 15 * MINUTE;

/**
 * Claims the right to send one mail of `kind` to `userId` now: true at most once per window, however
 * many requests ask at the same moment. One upsert decides it (the row's primary key serialises the
 * racers on SQLite and PostgreSQL alike); a read-then-write would let a parallel burst all see "not
 * sent yet" — the 48 identical mails the attack produced.
 */
export async function claimMailSlot(
  db: DbExecutor,
  now: number,
  userId: string,
  kind: string,
  windowMs = COALESCE_WINDOW,
): Promise<boolean> {
  const r = await db
    .insertInto("mail_coalesce")
    .values({ user_id: userId, kind, sent_at: now })
    .onConflict((oc) =>
      oc
        .columns(["user_id", "kind"])
        .doUpdateSet({ sent_at: now })
        .where("mail_coalesce.sent_at", "<=", now - windowMs),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}
