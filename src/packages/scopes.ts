import { sql } from "kysely";
import { getUser, getUserByUsername } from "../accounts/index.js";
import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { catalogue } from "../lib/errors.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";

/**
 * npm scopes as Wharf's npm organisations: a scope has explicit owners, and only they create new
 * packages in it. Ownership used to be inferred ("@x belongs to the user named x"), so registering the
 * username `acme` took `@acme` away from the people publishing there (issue 11, HIGH 2). Packages that
 * already exist keep their own owners and maintainers: `npm owner add` on one package does not grant
 * the scope.
 */
export const scopeErrors = catalogue({
  SCOPE_TAKEN: { status: 403, message: "That scope belongs to other people." },
  SCOPE_INVALID: { status: 400, field: "scope", message: "A scope looks like @name: lower case, URL-safe." },
  SCOPE_NOT_FOUND: { status: 404, message: "No one owns that scope yet." },
  NOT_A_SCOPE_OWNER: { status: 403, message: "Only owners of the scope can change its owners." },
  LAST_SCOPE_OWNER: {
    status: 400,
    message: "A scope must keep at least one owner. Add another owner first.",
  },
  USER_NOT_FOUND: { status: 404, field: "username", message: "No user with that name." },
});

/** `@Acme` and `acme` name one scope: stored and compared without '@', NFKC-folded, lower case. */
export function normalizeScope(raw: string): string {
  const name = raw.trim().replace(/^@/, "").normalize("NFKC").toLowerCase();
  // The same part rules as npm package names (ecosystems/npm/names.ts): URL-safe, no leading . or _.
  if (!name || name.length > 214 || /^[._]/.test(name) || /[~'!()*/]/.test(name))
    throw scopeErrors.SCOPE_INVALID();
  if (encodeURIComponent(name) !== name) throw scopeErrors.SCOPE_INVALID();
  return name;
}

/** The scope of an npm package name (`@acme/tool` → `acme`), or null when unscoped. */
export function scopeOfPackage(name: string): string | null {
  const m = /^@([^/]+)\//.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}

export interface ScopeOwner {
  userId: string;
  username: string;
  addedAt: number;
}

export interface Scope {
  name: string;
  createdAt: number;
  owners: ScopeOwner[];
}

export async function getScope(db: DbExecutor, raw: string): Promise<Scope | null> {
  const name = normalizeScope(raw);
  const row = await db.selectFrom("npm_scopes").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) return null;
  const owners = await db
    .selectFrom("npm_scope_owners")
    .innerJoin("users", "users.id", "npm_scope_owners.user_id")
    .select(["users.id", "users.username", "npm_scope_owners.added_at"])
    .where("npm_scope_owners.scope", "=", name)
    .orderBy("users.username")
    .execute();
  return {
    name,
    createdAt: row.created_at,
    owners: owners.map((o) => ({ userId: o.id, username: o.username, addedAt: o.added_at })),
  };
}

/** The npm packages in a scope, by name. A prefix test, not LIKE: '_' is a LIKE wildcard. */
export async function listScopePackages(
  db: DbExecutor,
  raw: string,
): Promise<Array<{ id: string; name: string; createdAt: number; quarantined: boolean }>> {
  const prefix = `@${normalizeScope(raw)}/`;
  const rows = await db
    .selectFrom("projects")
    .select(["id", "name", "created_at", "quarantined_at"])
    .where("ecosystem", "=", "npm")
    .where(sql<string>`substr(normalized_name, 1, ${sql.lit(prefix.length)})`, "=", prefix)
    .orderBy("normalized_name")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    quarantined: r.quarantined_at !== null,
  }));
}

async function isOwner(db: DbExecutor, scope: string, userId: string): Promise<boolean> {
  const r = await db
    .selectFrom("npm_scope_owners")
    .select("user_id")
    .where("scope", "=", scope)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * May `user` create a NEW package in the scope? Yes for its owners; an unclaimed scope is open to its
 * first publisher, except that the scope named like an existing user is that user's. Fails closed: a
 * scope with packages but no owner row (made outside the npm publish path) is refused.
 */
export async function checkNewPackageScope(
  db: DbExecutor,
  raw: string,
  user: { id: string },
  /** In the creating transaction: the package being created, which does not count as "holding". */
  creating?: string,
): Promise<"owner" | "unclaimed"> {
  const scope = normalizeScope(raw);
  const claimed = await db
    .selectFrom("npm_scopes")
    .select("name")
    .where("name", "=", scope)
    .executeTakeFirst();
  if (claimed) {
    if (await isOwner(db, scope, user.id)) return "owner";
    throw scopeErrors.SCOPE_TAKEN(
      `The scope @${scope} belongs to its owners (see /scopes/${scope}/); ask one of them to make you a scope owner.`,
    );
  }
  const namesake = await getUserByUsername(db, scope);
  if (namesake && namesake.id !== user.id)
    throw scopeErrors.SCOPE_TAKEN(
      `The scope @${scope} belongs to the user ${namesake.username}: only they can publish into it first.`,
    );
  if ((await listScopePackages(db, scope)).some((p) => p.id !== creating))
    throw scopeErrors.SCOPE_TAKEN(`The scope @${scope} has no recorded owners; ask the registry operators.`);
  return "unclaimed";
}

/**
 * Run inside the transaction that creates a new scoped package: checks again (a concurrent claim may
 * have committed since the first check) and claims an unclaimed scope for the publisher. Two first
 * publishes racing for one scope both insert the row; the primary key lets one win, and the loser's
 * retry (packages.publishFile) then finds the scope owned by someone else.
 */
export async function claimScopeForNewPackage(
  tx: DbExecutor,
  now: number,
  ctx: EventContext,
  raw: string,
  user: { id: string },
  projectId: string,
): Promise<void> {
  if ((await checkNewPackageScope(tx, raw, user, projectId)) === "owner") return;
  const scope = normalizeScope(raw);
  await tx.insertInto("npm_scopes").values({ name: scope, created_at: now, created_by: user.id }).execute();
  await tx
    .insertInto("npm_scope_owners")
    .values({ scope, user_id: user.id, added_at: now, added_by: user.id })
    .execute();
  await recordEvent(tx, now, ctx, { type: "scope.claimed", userId: user.id, data: { scope: `@${scope}` } });
}

/** Who changes a scope's owners: one of its owners, or the operator (CLI), who may also reserve a scope. */
export type ScopeActor = { userId: string; operator?: false } | { userId: null; operator: true };

type ScopeDeps = Pick<Deps, "db" | "clock" | "mailer" | "log"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

async function mustManage(db: DbExecutor, scope: string, actor: ScopeActor): Promise<boolean> {
  const exists = await db
    .selectFrom("npm_scopes")
    .select("name")
    .where("name", "=", scope)
    .executeTakeFirst();
  if (actor.operator) return exists !== undefined;
  if (!exists) throw scopeErrors.SCOPE_NOT_FOUND(`No one owns @${scope} yet: publishing into it claims it.`);
  if (!(await isOwner(db, scope, actor.userId)))
    throw scopeErrors.NOT_A_SCOPE_OWNER(`Only owners of @${scope} can change its owners.`);
  return true;
}

export async function addScopeOwner(
  deps: ScopeDeps,
  ctx: EventContext,
  actor: ScopeActor,
  raw: string,
  username: string,
  /** Rows that must commit with the change, written only when something changed (the CLI's audit entry). */
  alsoInTransaction?: (tx: Tx, scope: string, username: string) => Promise<void>,
): Promise<Scope> {
  const scope = normalizeScope(raw);
  const now = deps.clock.now();
  const added = await transaction(deps.db, async (tx) => {
    const exists = await mustManage(tx, scope, actor);
    const user = await getUserByUsername(tx, username);
    if (!user) throw scopeErrors.USER_NOT_FOUND(`No user named '${username.slice(0, 100)}'.`);
    if (!exists)
      await tx.insertInto("npm_scopes").values({ name: scope, created_at: now, created_by: null }).execute();
    if (await isOwner(tx, scope, user.id)) return null;
    await tx
      .insertInto("npm_scope_owners")
      .values({ scope, user_id: user.id, added_at: now, added_by: actor.userId })
      .execute();
    await recordScopeChange(tx, now, ctx, "scope.owner_added", scope, actor, user);
    await alsoInTransaction?.(tx, scope, user.username);
    const by = actor.operator ? null : await getUser(tx, actor.userId);
    return { user, by: by?.username ?? "A registry operator" };
  });
  // Being made a scope owner lets someone publish under a name others trust: they hear of it by mail.
  if (added && added.user.id !== actor.userId)
    await send(deps, added.user.email, mails.madeScopeOwner, {
      username: added.user.username,
      by: added.by,
      scope,
    });
  return (await getScope(deps.db, scope))!;
}

export async function removeScopeOwner(
  deps: ScopeDeps,
  ctx: EventContext,
  actor: ScopeActor,
  raw: string,
  username: string,
  /** Rows that must commit with the change, written only when something changed (the CLI's audit entry). */
  alsoInTransaction?: (tx: Tx, scope: string, username: string) => Promise<void>,
): Promise<Scope> {
  const scope = normalizeScope(raw);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    if (!(await mustManage(tx, scope, actor))) throw scopeErrors.SCOPE_NOT_FOUND(`No one owns @${scope}.`);
    const user = await getUserByUsername(tx, username);
    if (!user || !(await isOwner(tx, scope, user.id))) return;
    const owners = await tx
      .selectFrom("npm_scope_owners")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("scope", "=", scope)
      .executeTakeFirstOrThrow();
    if (Number(owners.n) <= 1) throw scopeErrors.LAST_SCOPE_OWNER();
    await tx
      .deleteFrom("npm_scope_owners")
      .where("scope", "=", scope)
      .where("user_id", "=", user.id)
      .execute();
    await recordScopeChange(tx, now, ctx, "scope.owner_removed", scope, actor, user);
    await alsoInTransaction?.(tx, scope, user.username);
  });
  return (await getScope(deps.db, scope))!;
}

/** On the changed person's security history and on the actor's, like project role changes. */
async function recordScopeChange(
  tx: DbExecutor,
  now: number,
  ctx: EventContext,
  type: "scope.owner_added" | "scope.owner_removed",
  scope: string,
  actor: ScopeActor,
  user: { id: string; username: string },
): Promise<void> {
  const data = {
    scope: `@${scope}`,
    username: user.username,
    by: actor.operator ? "operator" : actor.userId,
  };
  const people = new Set([user.id, ...(actor.userId ? [actor.userId] : [])]);
  for (const userId of people) await recordEvent(tx, now, ctx, { type, userId, data });
}
