import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * An incremental listing (issue 15, re-render after a write): a read model keeps a project's listing
 * rows (releases and files) in memory with the project's `listing_seq` they reflect, and after a write
 * reads only the releases named in `listing_changes` since then (packages/listing.ts), not the whole
 * history (10,000 rows at 5,000 npm versions).
 *
 * Triggers write the log, on both databases, so no write path can forget to: every insert, delete and
 * listed-column update of a release or a file bumps its project's `listing_seq` and logs the release it
 * touched with the new number (a deleted release or file is logged like any change: the reader re-reads
 * the release and finds it, or its file, gone). The bump is an UPDATE of the project's row, so on
 * PostgreSQL it takes that row's lock until commit: two transactions writing to one project number
 * their changes one after the other, and a later number cannot commit before an earlier one. Every
 * snapshot therefore sees a gap-free prefix of a project's numbers; a reader that sees a gap (or an
 * entry pruned away) reads everything again.
 *
 * The log keeps each project's last 1,000 entries (pruned by the same triggers); a reader further
 * behind reads everything.
 */
const KEEP = 1000;

/** Release columns a listing reads (packages/releases.ts listedColumns), and what the renderers read per release. */
const RELEASE_COLUMNS = [
  "project_id",
  "version",
  "canonical_version",
  "created_at",
  "yanked_at",
  "yanked_reason",
  "requires_python",
  "metadata",
  "metadata_rev",
  "summary",
  "description",
  "description_content_type",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .alterTable("projects")
    .addColumn("listing_seq", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("listing_changes")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("release_id", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("listing_changes_pk", ["project_id", "seq"])
    .execute();
  const cols = RELEASE_COLUMNS.join(", ");
  if (sqlite) {
    // One writer at a time on SQLite: the numbers are in commit order by construction.
    const events = [
      ["releases", "insert", "new", "id"],
      ["releases", `update of ${cols}`, "new", "id"],
      ["releases", "delete", "old", "id"],
      ["files", "insert", "new", "release_id"],
      ["files", "update", "new", "release_id"],
      ["files", "delete", "old", "release_id"],
    ] as const;
    for (const [table, event, row, release] of events) {
      const name = `listing_${table}_${event.split(" ")[0]}`;
      await sql
        .raw(`create trigger ${name} after ${event} on ${table} begin
          update projects set listing_seq = listing_seq + 1 where id = ${row}.project_id;
          insert into listing_changes (project_id, seq, release_id)
            select id, listing_seq, ${row}.${release} from projects where id = ${row}.project_id;
          delete from listing_changes where project_id = ${row}.project_id
            and seq <= (select listing_seq from projects where id = ${row}.project_id) - ${KEEP};
        end`)
        .execute(db);
    }
    return;
  }
  for (const [table, release] of [
    ["releases", "id"],
    ["files", "release_id"],
  ] as const) {
    await sql
      .raw(`create function listing_${table}_change() returns trigger language plpgsql as $$
        declare r record; s integer;
        begin
          if tg_op = 'DELETE' then r := old; else r := new; end if;
          update projects set listing_seq = listing_seq + 1 where id = r.project_id returning listing_seq into s;
          -- The project itself is being deleted (a cascade): nothing is left to list.
          if s is null then return null; end if;
          insert into listing_changes (project_id, seq, release_id) values (r.project_id, s, r.${release});
          delete from listing_changes where project_id = r.project_id and seq <= s - ${KEEP};
          return null;
        end $$`)
      .execute(db);
    const event =
      table === "releases" ? `insert or delete or update of ${cols}` : "insert or delete or update";
    await sql
      .raw(`create trigger listing_${table}_change after ${event} on ${table}
        for each row execute function listing_${table}_change()`)
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const t of ["releases", "files"])
      for (const e of ["insert", "update", "delete"])
        await sql.raw(`drop trigger if exists listing_${t}_${e}`).execute(db);
  } else {
    for (const t of ["releases", "files"]) {
      await sql.raw(`drop trigger if exists listing_${t}_change on ${t}`).execute(db);
      await sql.raw(`drop function if exists listing_${t}_change()`).execute(db);
    }
  }
  await db.schema.dropTable("listing_changes").execute();
  await db.schema.alterTable("projects").dropColumn("listing_seq").execute();
}
