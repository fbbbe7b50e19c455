import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * A revision number for each release's metadata (issue 15 item 2). The npm read model keeps every
 * version's serialised manifest and, after a write, re-reads only the metadata of releases whose
 * revision it has not serialised (protocols/npm/fragments.ts): appending a version to a long history
 * no longer reads and parses the whole history's metadata again.
 *
 * A trigger bumps it on every update of `metadata`, on both databases, so no write path (deprecation
 * today, whatever rewrites metadata tomorrow) can forget to and leave a stale manifest served.
 *
 * And an index that holds every column a listing reads (packages/releases.ts listReleaseRecords), so
 * listing a long history reads the index alone: a release's row carries its README and metadata (kilobytes
 * each), and reaching 5,000 of them cost more than everything else a re-render does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("releases")
    .addColumn("metadata_rev", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex("releases_listing")
    .on("releases")
    .columns([
      "project_id",
      "created_at",
      "id",
      "version",
      "canonical_version",
      "yanked_at",
      "yanked_reason",
      "requires_python",
      "metadata_rev",
    ])
    .execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // Recursive triggers are off (SQLite's default), and the inner update does not touch `metadata`.
    await sql`create trigger releases_metadata_rev after update of metadata on releases begin
      update releases set metadata_rev = old.metadata_rev + 1 where id = new.id; end`.execute(db);
    return;
  }
  await sql`create function releases_metadata_rev() returns trigger language plpgsql as $$
    begin new.metadata_rev := old.metadata_rev + 1; return new; end $$`.execute(db);
  await sql`create trigger releases_metadata_rev before update of metadata on releases
    for each row execute function releases_metadata_rev()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("releases_listing").ifExists().execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`drop trigger if exists releases_metadata_rev`.execute(db);
  } else {
    await sql`drop trigger if exists releases_metadata_rev on releases`.execute(db);
    await sql`drop function if exists releases_metadata_rev()`.execute(db);
  }
  await db.schema.alterTable("releases").dropColumn("metadata_rev").execute();
}
