import type { Kysely } from "kysely";

/** Only what the backfill reads and writes, frozen here so later schema changes cannot break it. */
interface Backfill {
  projects: { id: string; ecosystem: string; normalized_name: string; created_at: number };
  roles: { project_id: string; user_id: string; role: string };
  npm_scopes: { name: string; created_at: number; created_by: string | null };
  npm_scope_owners: { scope: string; user_id: string; added_at: number; added_by: string | null };
}

/**
 * npm scopes become explicit, like npm organisations: a scope row and its owners. Before this, "@x
 * belongs to the user named x" let anyone who registered the username `acme` take over `@acme` from the
 * people who had published in it (issue 11, HIGH 2).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("npm_scopes")
    // Without the '@', lower case (npm names are lower case): the only form ever stored or compared.
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.references("users.id").onDelete("set null"))
    .execute();
  await db.schema
    .createTable("npm_scope_owners")
    .addColumn("scope", "text", (c) => c.notNull().references("npm_scopes.name").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("added_at", "bigint", (c) => c.notNull())
    .addColumn("added_by", "text", (c) => c.references("users.id").onDelete("set null"))
    .addPrimaryKeyConstraint("npm_scope_owners_pk", ["scope", "user_id"])
    .execute();
  await db.schema.createIndex("npm_scope_owners_user").on("npm_scope_owners").column("user_id").execute();
  await backfill(db as unknown as Kysely<Backfill>, Date.now());
}

/**
 * Each scope that already holds packages keeps the people who own them: the owners of its packages
 * (or, if none has an owner, everyone with a role there), never a later namesake account. A scope
 * without packages gets no row: it stays with the user of the same name (packages/scopes.ts), or with
 * whoever publishes into it first.
 */
async function backfill(db: Kysely<Backfill>, now: number): Promise<void> {
  const rows = await db
    .selectFrom("projects")
    .leftJoin("roles", "roles.project_id", "projects.id")
    .select(["projects.normalized_name", "projects.created_at", "roles.user_id", "roles.role"])
    .where("projects.ecosystem", "=", "npm")
    .where("projects.normalized_name", "like", "@%/%")
    .execute();
  const scopes = new Map<string, { createdAt: number; owners: Set<string>; others: Set<string> }>();
  for (const r of rows) {
    const scope = r.normalized_name.slice(1, r.normalized_name.indexOf("/")).toLowerCase();
    const s = scopes.get(scope) ?? { createdAt: r.created_at, owners: new Set(), others: new Set() };
    s.createdAt = Math.min(s.createdAt, r.created_at);
    if (r.user_id) (r.role === "owner" ? s.owners : s.others).add(r.user_id);
    scopes.set(scope, s);
  }
  for (const [name, s] of scopes) {
    await db.insertInto("npm_scopes").values({ name, created_at: s.createdAt, created_by: null }).execute();
    const owners = s.owners.size > 0 ? s.owners : s.others;
    for (const user_id of owners)
      await db
        .insertInto("npm_scope_owners")
        .values({ scope: name, user_id, added_at: now, added_by: null })
        .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("npm_scope_owners").execute();
  await db.schema.dropTable("npm_scopes").execute();
}
