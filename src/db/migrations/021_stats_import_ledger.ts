import { type CreateTableBuilder, type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * Statistics import that streams, folds old history and recognises a file before parsing it (issue 13
 * item 9; src/stats/import.ts).
 *
 * - stats_imports gains what an operator needs to recognise an earlier import (`wharf stats imports`):
 *   the file's size, the retention cutoff it was imported under (a forced re-import never folds a day
 *   the earlier import or a roll-up since already folded), and what it folded into monthly totals.
 *   Rows from before this migration have a null cutoff (they dropped old days instead of folding).
 * - stats_import_days: what each log import added per (ecosystem, day, name), so that a forced
 *   re-import of the same log takes it back instead of counting it twice (a CSV replaces by (project,
 *   day) and needs nothing kept). The roll-up deletes rows whose days it folds. The import's own
 *   staging tables are temporary tables of its transaction (src/stats/staging.ts), not migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const compact = <T extends string, C extends string>(t: CreateTableBuilder<T, C>) =>
    sqlite ? t.modifyEnd(sql`without rowid`) : t;
  for (const [column, type] of [
    ["file_size", "bigint"],
    ["cutoff_day", "integer"],
    ["folded_rows", "bigint"],
    ["folded_downloads", "bigint"],
    ["folded_months", "bigint"],
    ["forced", "integer"],
  ] as const) {
    await db.schema
      .alterTable("stats_imports")
      .addColumn(column, type, (c) =>
        column === "file_size" || column === "cutoff_day" ? c : c.notNull().defaultTo(0),
      )
      .execute();
  }
  await db.schema
    .createTable("stats_import_days")
    .addColumn("import_id", "text", (c) => c.notNull())
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("day", "integer", (c) => c.notNull())
    .addColumn("name_id", "integer", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("stats_import_days_pk", ["import_id", "ecosystem", "day", "name_id"])
    .$call(compact)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("stats_import_days").execute();
  for (const c of ["forced", "folded_months", "folded_downloads", "folded_rows", "cutoff_day", "file_size"])
    await db.schema.alterTable("stats_imports").dropColumn(c).execute();
}
