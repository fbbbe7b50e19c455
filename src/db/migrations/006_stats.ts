import { type CreateTableBuilder, type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * Download statistics imported from CDN/proxy logs and CSV exports (src/stats/).
 *
 * The criticality job ranks ~700k projects over 180 days in seconds, so the hot tables are compact
 * integer rows: names get a small integer id, and on SQLite the tables are WITHOUT ROWID so the primary
 * key is the only b-tree and every aggregate is an index-only scan.
 *
 * - download_stats: one row per (ecosystem, day, name, source) — day first, so the few edge days a
 *   window needs and the roll-up of old days are range scans.
 * - download_weeks: the same counts summed per 7-day block (all sources), name first, maintained by
 *   every write in the same transaction. A 180-day window reads ~26 rows per busy project instead of
 *   180 (see stats-window.ts).
 * - download_months: daily rows folded into calendar months once they are older than any window in use.
 * - stats_coverage: which days an import covered; there, imported counts replace Wharf's own.
 * - stats_imports: the ledger; a file's content (sha256 of the decompressed bytes) is imported once.
 * - policy_mail: criticality notifications waiting to be sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const compact = <T extends string, C extends string>(t: CreateTableBuilder<T, C>) =>
    sqlite ? t.modifyEnd(sql`without rowid`) : t;

  await db.schema
    .createTable("stats_names")
    .addColumn("id", sqlite ? "integer" : "serial", (c) => c.primaryKey())
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addUniqueConstraint("stats_names_eco_name", ["ecosystem", "name"])
    .execute();

  await db.schema
    .createTable("stats_sources")
    .addColumn("id", sqlite ? "integer" : "serial", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable("download_stats")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("day", "integer", (c) => c.notNull())
    .addColumn("name_id", "integer", (c) => c.notNull())
    .addColumn("source_id", "integer", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("download_stats_pk", ["ecosystem", "day", "name_id", "source_id"])
    .$call(compact)
    .execute();

  await db.schema
    .createTable("download_weeks")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("name_id", "integer", (c) => c.notNull())
    .addColumn("week", "integer", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("download_weeks_pk", ["ecosystem", "name_id", "week"])
    .$call(compact)
    .execute();

  await db.schema
    .createTable("download_months")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("name_id", "integer", (c) => c.notNull())
    // (year - 1970) * 12 + month index (0-11), UTC.
    .addColumn("month", "integer", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("download_months_pk", ["ecosystem", "name_id", "month"])
    .$call(compact)
    .execute();

  await db.schema
    .createTable("stats_coverage")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("day", "integer", (c) => c.notNull())
    .addColumn("source_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("stats_coverage_pk", ["ecosystem", "day", "source_id"])
    .execute();

  await db.schema
    .createTable("stats_imports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("source_id", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    // The --ecosystem the file was imported for, or '*' for all.
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("imported_at", "bigint", (c) => c.notNull())
    .addColumn("rows", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("downloads", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("first_day", "integer")
    .addColumn("last_day", "integer")
    .addUniqueConstraint("stats_imports_once", ["source_id", "sha256", "scope"])
    .execute();

  // Own counts by day (the primary key is by project): the window aggregate is a covering range scan.
  await db.schema
    .createIndex("download_counts_by_day")
    .on("download_counts")
    .columns(["day", "project_id", "count"])
    .execute();
  // The job's first run designates thousands of projects: their mails are queued in the transaction
  // that designates them and sent after it (a crash in between delays them, never loses them).
  await db.schema
    .createTable("policy_mail")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("to_addr", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("claimed_by", "text")
    .addColumn("claimed_at", "bigint")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // The job reads the current designations of an ecosystem.
  await db.schema
    .createIndex("projects_critical")
    .on("projects")
    .columns(["ecosystem", "critical_since"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("projects_critical").execute();
  await db.schema.dropIndex("download_counts_by_day").execute();
  for (const t of [
    "policy_mail",
    "stats_imports",
    "stats_coverage",
    "download_months",
    "download_weeks",
    "download_stats",
    "stats_sources",
    "stats_names",
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
