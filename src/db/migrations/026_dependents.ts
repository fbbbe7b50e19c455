import type { Kysely } from "kysely";

/*
 * Criticality by dependents (issue 18 item 4).
 *
 * - project_dependencies: the edges. One row per (project, dependency) for the project's latest
 *   release (npm: the `latest` dist-tag; PyPI: the newest non-yanked release pip would pick), the
 *   dependency by normalized name, hosted here or not. Rewritten for one project inside every write
 *   that can change its latest release (publish, yank, unpublish, delete, dist-tag).
 * - dependent_counts: per (ecosystem, name), how many projects depend on it directly, kept equal to
 *   the edges by the same writes (+1/-1 per edge added/removed), so ranking is one index scan;
 *   `transitive` is filled only by a full recompute asked for with --transitive (bounded), else NULL.
 * - criticality_rules: a rule is now "by downloads OR by dependents": `downloads` (1 = the download
 *   clause of mode/value/window_days applies, 0 = dependents only) and the dependents clause.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("project_dependencies")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("dependency", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("project_dependencies_pk", ["project_id", "dependency"])
    .execute();
  await db.schema
    .createIndex("project_dependencies_target")
    .on("project_dependencies")
    .columns(["ecosystem", "dependency"])
    .execute();
  await db.schema
    .createTable("dependent_counts")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("direct", "integer", (c) => c.notNull())
    .addColumn("transitive", "integer")
    .addPrimaryKeyConstraint("dependent_counts_pk", ["ecosystem", "name"])
    .execute();
  await db.schema
    .createIndex("dependent_counts_rank")
    .on("dependent_counts")
    .columns(["ecosystem", "direct"])
    .execute();
  await db.schema
    .alterTable("criticality_rules")
    .addColumn("downloads", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable("criticality_rules").addColumn("dependents_mode", "text").execute();
  await db.schema.alterTable("criticality_rules").addColumn("dependents_value", "double precision").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const c of ["dependents_value", "dependents_mode", "downloads"])
    await db.schema.alterTable("criticality_rules").dropColumn(c).execute();
  await db.schema.dropTable("dependent_counts").execute();
  await db.schema.dropTable("project_dependencies").execute();
}
