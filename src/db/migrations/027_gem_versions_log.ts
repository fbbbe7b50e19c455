import type { Kysely } from "kysely";

/*
 * The compact index's `versions` file as an append-only log (issue 17): one row per line ever served,
 * numbered per gem. Bundler keeps its copy and asks only for the bytes past its end (Range), checking
 * the MD5 of the result; a file rebuilt from current state would change in the middle on every new
 * version and cost every client a full download (protocols/rubygems/compact-index.ts). `seq` is the
 * file's order; a writer takes the numbers after the last one it read, so two instances appending at
 * once collide on it (or on the gem's `n`) and the loser reads the log again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("gem_versions_log")
    .addColumn("seq", "integer", (c) => c.notNull().unique())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("n", "integer", (c) => c.notNull())
    .addColumn("line", "text", (c) => c.notNull())
    .addColumn("logged_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("gem_versions_log_pk", ["project_id", "n"])
    .execute();
  await db.schema
    .createIndex("gem_versions_log_order")
    .on("gem_versions_log")
    .columns(["logged_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("gem_versions_log").execute();
}
