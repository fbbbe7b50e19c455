import type { Kysely } from "kysely";

/*
 * Quarantine (issue 18 items 2-3). A quarantined project keeps its rows and files (for inspection) and
 * its name (nobody else can take it meanwhile), but is invisible to installers and frozen for its owners.
 * - projects.quarantined_at / quarantine_reason: the state every read surface and authz ask (one column
 *   on the row they already load, so hiding costs no extra query).
 * - quarantine_cases: the console queue. One row per reason a project entered quarantine: a held
 *   look-alike (similar_to names the protected project) or an operator's manual quarantine; closed by
 *   release (back to normal) or rejection (stays quarantined), with who and why (also in admin_audit).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("projects").addColumn("quarantined_at", "bigint").execute();
  await db.schema.alterTable("projects").addColumn("quarantine_reason", "text").execute();
  await db.schema
    .createTable("quarantine_cases")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("similar_to", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("opened_by", "text", (c) => c.notNull())
    .addColumn("opened_at", "bigint", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("closed_by", "text")
    .addColumn("closed_at", "bigint")
    .addColumn("close_reason", "text")
    .execute();
  await db.schema
    .createIndex("quarantine_cases_state")
    .on("quarantine_cases")
    .columns(["state", "opened_at"])
    .execute();
  await db.schema
    .createIndex("quarantine_cases_project")
    .on("quarantine_cases")
    .column("project_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("quarantine_cases").execute();
  await db.schema.alterTable("projects").dropColumn("quarantine_reason").execute();
  await db.schema.alterTable("projects").dropColumn("quarantined_at").execute();
}
