import type { Kysely } from "kysely";

/*
 * Operator overrides of the look-alike rule (issue 13 item 8). The rule refuses, for everyone, a new
 * name that ultranormalizes to an existing project's; registries migrated here hold historic pairs
 * (`djangorestframework` / `django-rest-framework`), so an operator may allow one exact name in one
 * ecosystem, with a reason, audited. A row allows creating that name only; revoking deletes the row
 * (the audit log keeps the history), and a project created meanwhile keeps its name.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("lookalike_allowances")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("normalized_name", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("lookalike_allowances_pk", ["ecosystem", "normalized_name"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("lookalike_allowances").execute();
}
