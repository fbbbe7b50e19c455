import type { Kysely } from "kysely";

/*
 * The notification outbox (src/notify/outbox.ts): a security mail is written here by the transaction
 * that records its event, so the event and its mail commit together or not at all. The request sends it
 * right after commit; a job retries what a crash or a mail outage left behind. A row leaves the table
 * when the mailer took it; one that kept failing stays, marked given up, for an operator to look at.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("notify_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("to_addr", "text", (c) => c.notNull())
    // A template's registry name ("mfa.keyAdded") and its vars as JSON: rendered when sent, in the
    // site's current name and origin.
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("vars", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("claimed_by", "text")
    .addColumn("claimed_at", "bigint")
    .addColumn("last_error", "text")
    .addColumn("gave_up_at", "bigint")
    .execute();
  // The retry job reads what is due and not given up, oldest first.
  await db.schema
    .createIndex("notify_outbox_due")
    .on("notify_outbox")
    .columns(["gave_up_at", "next_attempt_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("notify_outbox").execute();
}
