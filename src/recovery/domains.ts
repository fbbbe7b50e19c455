import type { DbExecutor } from "../db/index.js";
import { recoveryErrors } from "./errors.js";

// One check shared with the account mails (mail/abandoned.ts); re-exported for the recovery callers.
export { emailDomain, isAbandoned } from "../mail/abandoned.js";

export interface AbandonedDomain {
  domain: string;
  reason: string;
  markedBy: string;
  createdAt: number;
}

const DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

export function normalizeDomain(raw: string): string {
  const d = raw.trim().toLowerCase().replace(/^@/, "").replace(/\.$/, "");
  if (!DOMAIN.test(d)) throw recoveryErrors.DOMAIN_INVALID();
  return d;
}

/** Marks a domain; returns false when it already was. Call in the transaction that audits it. */
export async function markAbandoned(
  db: DbExecutor,
  now: number,
  domain: string,
  reason: string,
  by: string,
): Promise<boolean> {
  const d = normalizeDomain(domain);
  const existing = await db
    .selectFrom("abandoned_email_domains")
    .select("domain")
    .where("domain", "=", d)
    .executeTakeFirst();
  if (existing) return false;
  await db
    .insertInto("abandoned_email_domains")
    .values({ domain: d, reason, marked_by: by, created_at: now })
    .execute();
  return true;
}

export async function unmarkAbandoned(db: DbExecutor, domain: string): Promise<boolean> {
  const r = await db
    .deleteFrom("abandoned_email_domains")
    .where("domain", "=", normalizeDomain(domain))
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}

export async function listAbandoned(db: DbExecutor): Promise<AbandonedDomain[]> {
  const rows = await db.selectFrom("abandoned_email_domains").selectAll().orderBy("domain").execute();
  return rows.map((r) => ({
    domain: r.domain,
    reason: r.reason,
    markedBy: r.marked_by,
    createdAt: r.created_at,
  }));
}

/** How many accounts use an address at this domain (shown before marking it). */
export async function accountsAtDomain(db: DbExecutor, domain: string): Promise<number> {
  const d = normalizeDomain(domain);
  const r = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where((eb) => eb.or([eb("email_canonical", "like", `%@${d}`), eb("email_canonical", "like", `%.${d}`)]))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
