import type { Kysely } from "kysely";

/*
 * npm surface (issue 13 item 10):
 * - `npm_stars`: one row per (account, package) an account starred with `npm star`; the packument's
 *   `users` and `/-/_view/starredByUser` are read from it. The primary key makes a repeated star a
 *   no-op, and the rows go with the account or the package.
 * - `projects.modified_at`: when the project's public document last changed without a new release
 *   (deprecation, dist-tags, owners, unpublish), so `time.modified` in the packument advances — clients
 *   and mirrors use it to notice a change. Null means "never changed since its last release".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("npm_stars")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("npm_stars_pk", ["user_id", "project_id"])
    .execute();
  await db.schema.createIndex("npm_stars_project").on("npm_stars").column("project_id").execute();
  await db.schema.alterTable("projects").addColumn("modified_at", "bigint").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("projects").dropColumn("modified_at").execute();
  await db.schema.dropTable("npm_stars").execute();
}
