import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * A person's projects in page order straight from an index (issue 15, flat growth). A profile page
 * (`/user/<name>/`) lists its owner's projects by name, 50 at a time; the names live in `projects`, so the
 * page had to read every role of the account, join each to its project and sort them all to cut one page:
 * ~42 ms of CPU per page for an account with 100,000 projects, 2.5 ms with 1,000 (bench/growth.mjs).
 *
 * Each role now carries its project's normalised name and ecosystem, and `roles_user_order` holds
 * (user_id, project_name, project_ecosystem): a page is a walk of that index from its offset. Triggers
 * fill the two columns from the project on every insert, on both databases, so no write path (nor a
 * test or a bench inserting rows by hand) can leave a role out of order; a project's name never changes
 * today, and if one did, a trigger carries it to its roles.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("roles").addColumn("project_name", "text").execute();
  await db.schema.alterTable("roles").addColumn("project_ecosystem", "text").execute();
  await sql`update roles set
    project_name = (select normalized_name from projects where projects.id = roles.project_id),
    project_ecosystem = (select ecosystem from projects where projects.id = roles.project_id)`.execute(db);
  await db.schema
    .createIndex("roles_user_order")
    .on("roles")
    .columns(["user_id", "project_name", "project_ecosystem"])
    .execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`create trigger roles_project_order after insert on roles begin
      update roles set
        project_name = (select normalized_name from projects where id = new.project_id),
        project_ecosystem = (select ecosystem from projects where id = new.project_id)
      where project_id = new.project_id and user_id = new.user_id; end`.execute(db);
    await sql`create trigger projects_roles_order after update of normalized_name, ecosystem on projects begin
      update roles set project_name = new.normalized_name, project_ecosystem = new.ecosystem
      where project_id = new.id; end`.execute(db);
    return;
  }
  await sql`create function roles_project_order() returns trigger language plpgsql as $$
    begin
      select normalized_name, ecosystem into new.project_name, new.project_ecosystem
        from projects where id = new.project_id;
      return new;
    end $$`.execute(db);
  await sql`create trigger roles_project_order before insert on roles
    for each row execute function roles_project_order()`.execute(db);
  await sql`create function projects_roles_order() returns trigger language plpgsql as $$
    begin
      update roles set project_name = new.normalized_name, project_ecosystem = new.ecosystem
        where project_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger projects_roles_order after update of normalized_name, ecosystem on projects
    for each row execute function projects_roles_order()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`drop trigger if exists roles_project_order`.execute(db);
    await sql`drop trigger if exists projects_roles_order`.execute(db);
  } else {
    await sql`drop trigger if exists roles_project_order on roles`.execute(db);
    await sql`drop function if exists roles_project_order()`.execute(db);
    await sql`drop trigger if exists projects_roles_order on projects`.execute(db);
    await sql`drop function if exists projects_roles_order()`.execute(db);
  }
  await db.schema.dropIndex("roles_user_order").ifExists().execute();
  await db.schema.alterTable("roles").dropColumn("project_ecosystem").execute();
  await db.schema.alterTable("roles").dropColumn("project_name").execute();
}
