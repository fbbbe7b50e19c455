import type { Kysely } from "kysely";

/*
 * What each maintainer was last told about each project's critical designation, and when (issue 13
 * item 6): the daily job mails a change only when it differs from what the person was last told, and
 * no sooner than 30 days after the previous mail about that project, so a project flapping around the
 * rule's boundary does not re-mail its maintainers every day (criticality/told.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("criticality_told")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("critical", "integer", (c) => c.notNull())
    .addColumn("told_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("criticality_told_pk", ["user_id", "project_id"])
    .execute();
  await db.schema
    .createIndex("criticality_told_project")
    .on("criticality_told")
    .column("project_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("criticality_told").execute();
}
