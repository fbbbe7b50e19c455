import { type Kysely, SqliteAdapter } from "kysely";

/*
 * Project changes as rows, for instances without Redis (packages/changes.ts): an operator's CLI
 * command (`wharf project quarantine`) runs in another process than the server, and the server's
 * render caches (indexes, packuments, kept file bytes) must drop the project within a second or two,
 * or a quarantined project stays installable until a restart. Rows are short-lived: the pollers
 * delete what is older than an hour.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable("change_log")
    .addColumn("seq", sqlite ? "integer" : "bigserial", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("changed_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("change_log").execute();
}
