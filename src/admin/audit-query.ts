import type { Db } from "../db/index.js";
import { DAY } from "../lib/clock.js";
import type { AuditFilter } from "./audit.js";

export const AUDIT_PAGE_SIZE = 50;

/** The filter form's fields, as typed (the page shows them back). */
export interface AuditQuery {
  actor: string;
  action: string;
  target: string;
  reason: string;
  from: string;
  to: string;
  before: string;
}

export const AUDIT_QUERY_FIELDS = ["actor", "action", "target", "reason", "from", "to", "before"] as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Ids are 32 hex digits (lib/ids.ts); anything else in `before` is not a page of this log.
const ID = /^[0-9a-f]{1,64}$/;

/** A YYYY-MM-DD day as the epoch ms of its start (UTC), or null when it is not a real date. */
function dayStart(v: string): number | null {
  const m = DATE.exec(v);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === v ? ms : null;
}

/**
 * The query string of /admin/audit as a listAudit filter. `from` and `to` are whole UTC days, both
 * included. Fields that cannot be read are named in `errors` and left out of the filter, so the page
 * still shows the log, with the problem beside the field.
 */
export function parseAuditQuery(q: AuditQuery): { filter: AuditFilter; errors: Record<string, string> } {
  const filter: AuditFilter = { limit: AUDIT_PAGE_SIZE + 1 };
  const errors: Record<string, string> = {};
  const actor = q.actor.trim();
  const action = q.action.trim();
  const target = q.target.trim();
  const reason = q.reason.trim();
  if (actor) filter.actor = actor.slice(0, 100);
  if (action) filter.action = action.slice(0, 100);
  if (target) filter.target = target.slice(0, 300);
  if (reason) filter.reason = reason.slice(0, 300);
  for (const key of ["from", "to"] as const) {
    const v = q[key].trim();
    if (!v) continue;
    const ms = dayStart(v);
    if (ms === null) errors[key] = "Enter a date as YYYY-MM-DD.";
    else if (key === "from") filter.from = ms;
    else filter.to = ms + DAY;
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    errors.to = "The end date is before the start date.";
    delete filter.to;
  }
  if (q.before && ID.test(q.before)) filter.before = q.before;
  return { filter, errors };
}

/** The actions the log holds, for the filter's suggestions (a few dozen kinds at most). */
export async function auditActions(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom("admin_audit")
    .select("action")
    .distinct()
    .orderBy("action")
    .limit(200)
    .execute();
  return rows.map((r) => r.action);
}

/** A page of the log with the same filters: the first one, or the one before the entry `before`. */
export function auditPageUrl(q: AuditQuery, before?: string): string {
  const params = new URLSearchParams();
  for (const k of AUDIT_QUERY_FIELDS) if (k !== "before" && q[k].trim()) params.set(k, q[k].trim());
  if (before) params.set("before", before);
  const qs = params.toString();
  return qs ? `/admin/audit?${qs}` : "/admin/audit";
}
