import { sql } from "kysely";
import type { Db, DbExecutor } from "../db/index.js";
import { newId } from "../lib/ids.js";
import { likeContains } from "./like.js";

/** Who did an admin action, from where. */
export interface AuditActor {
  id: string;
  name: string;
  ip: string;
}

export interface AuditEntry {
  action: string;
  /** user | project | recovery | mandate | domain | name | giveaway | ... */
  targetType: string;
  /** A human-readable target: username, "pypi/requests", a domain, a request id. */
  target: string;
  reason: string;
  data?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: string;
  createdAt: number;
  actorId: string;
  actorName: string;
  ip: string;
}

/**
 * The one way to write the admin audit log. Pass the transaction of the change, so the entry commits
 * with it or not at all. The table is append-only (database triggers, migration 008).
 */
export async function recordAudit(
  db: DbExecutor,
  now: number,
  actor: AuditActor,
  e: AuditEntry,
): Promise<void> {
  await db
    .insertInto("admin_audit")
    .values({
      id: newId(now),
      created_at: now,
      actor_id: actor.id,
      actor_name: actor.name,
      action: e.action,
      target_type: e.targetType,
      target: e.target,
      reason: e.reason,
      data: JSON.stringify(e.data ?? {}),
      ip: actor.ip,
    })
    .execute();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  reason?: string;
  from?: number;
  to?: number;
  /** Entries older than this id (the page before). */
  before?: string;
  limit?: number;
}

/**
 * The log, newest first. Admin, action, target and reason match as substrings ("freeze" finds
 * user.freeze and user.unfreeze; "mandate." every mandate action), literally (`_` and `%` are not
 * wildcards), and by time.
 */
export async function listAudit(db: Db, f: AuditFilter = {}): Promise<AuditRecord[]> {
  let q = db.selectFrom("admin_audit").selectAll();
  const contains = { actor_name: f.actor, action: f.action, target: f.target, reason: f.reason } as const;
  for (const [column, needle] of Object.entries(contains) as Array<
    [keyof typeof contains, string | undefined]
  >) {
    if (!needle) continue;
    // Lower-cased on both sides: SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
    const pattern = likeContains(needle.toLowerCase());
    q = q.where((eb) => sql<boolean>`lower(${eb.ref(column)}) like ${pattern} escape '\\'`);
  }
  if (f.from !== undefined) q = q.where("created_at", ">=", f.from);
  if (f.to !== undefined) q = q.where("created_at", "<", f.to);
  if (f.before) q = q.where("id", "<", f.before);
  const rows = await q
    .orderBy("id", "desc")
    .limit(Math.min(f.limit ?? 100, 500))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    targetType: r.target_type,
    target: r.target,
    reason: r.reason,
    data: JSON.parse(r.data) as Record<string, unknown>,
    ip: r.ip,
  }));
}
