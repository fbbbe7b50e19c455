import type { Kysely } from "kysely";

/*
 * The staging policy (issue 16, item 6): a project's owners, or a mandate, may require every publish
 * made without an interactive second factor (API tokens, trusted publishers) to be staged and approved
 * with one. Values: none | any | phishing-resistant (the approval's factor must be WebAuthn).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("projects")
    .addColumn("stage_requirement", "text", (c) => c.notNull().defaultTo("none"))
    .execute();
  await db.schema
    .alterTable("mandates")
    .addColumn("stage_requirement", "text", (c) => c.notNull().defaultTo("none"))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("mandates").dropColumn("stage_requirement").execute();
  await db.schema.alterTable("projects").dropColumn("stage_requirement").execute();
}
