import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * An index for name search by substring (issue 15 item 5: web, npm and console search were a
 * `LIKE '%q%'` scan over every project, ~30 ms of CPU per query at 100,000 projects).
 *
 * PostgreSQL: a pg_trgm GIN index, which the planner uses for `normalized_name LIKE '%q%'` as written.
 * pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where it cannot be
 * created the migration goes on without the index (search stays correct, only slower) instead of
 * failing the start-up; the savepoint keeps the migration transaction usable.
 *
 * SQLite: an FTS5 table with the trigram tokenizer, kept in step with `projects` by triggers; search
 * asks it for the ids of names LIKE '%q%' (packages/search.ts), which FTS5 answers from its index for
 * patterns of three characters or more.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`create virtual table project_names_trgm using fts5(normalized_name, project_id unindexed, tokenize = 'trigram')`.execute(
      db,
    );
    await sql`insert into project_names_trgm (normalized_name, project_id) select normalized_name, id from projects`.execute(
      db,
    );
    await sql`create trigger project_names_trgm_insert after insert on projects begin
      insert into project_names_trgm (normalized_name, project_id) values (new.normalized_name, new.id); end`.execute(
      db,
    );
    await sql`create trigger project_names_trgm_delete after delete on projects begin
      delete from project_names_trgm where project_id = old.id; end`.execute(db);
    await sql`create trigger project_names_trgm_update after update of normalized_name on projects begin
      update project_names_trgm set normalized_name = new.normalized_name where project_id = old.id; end`.execute(
      db,
    );
    return;
  }
  await sql`savepoint name_search_index`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
    await sql`create index projects_name_trgm on projects using gin (normalized_name public.gin_trgm_ops)`.execute(
      db,
    );
    await sql`release savepoint name_search_index`.execute(db);
  } catch {
    await sql`rollback to savepoint name_search_index`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const t of ["insert", "delete", "update"])
      await sql.raw(`drop trigger if exists project_names_trgm_${t}`).execute(db);
    await sql`drop table if exists project_names_trgm`.execute(db);
    return;
  }
  await sql`drop index if exists projects_name_trgm`.execute(db);
}
