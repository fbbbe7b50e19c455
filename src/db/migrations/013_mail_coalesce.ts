import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per (account, kind of security mail): when that kind was last sent. The primary key makes
  // "send at most one per window" a single atomic upsert, so a burst of parallel requests sends one
  // mail instead of one each (issue 11 LOW 14: 48 identical mails from one burst).
  await db.schema
    .createTable("mail_coalesce")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("sent_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("mail_coalesce_pk", ["user_id", "kind"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("mail_coalesce").execute();
}
