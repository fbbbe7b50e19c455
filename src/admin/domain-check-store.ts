import { sql } from "kysely";
import type { Db, DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { isAppError } from "../lib/errors.js";
import { normalizeDomain } from "../recovery/index.js";

/** What the periodic DNS check knows about one email domain (table email_domain_checks, migration 019). */
export interface DomainCheck {
  domain: string;
  accounts: number;
  nextCheckAt: number;
  checkedAt: number | null;
  /** accepts | nxdomain | no_records | null_mx | unknown; null before the first check. */
  result: string | null;
  detail: string;
  failures: number;
  failingSince: number | null;
  lastFailureAt: number | null;
  unknownSince: number | null;
  flaggedAt: number | null;
  reportedAt: number | null;
  resolvesAgainAt: number | null;
}

type Row = Awaited<ReturnType<typeof selectChecks>>[number];
const selectChecks = (db: DbExecutor) => db.selectFrom("email_domain_checks").selectAll().execute();

export function toCheck(r: Row): DomainCheck {
  return {
    domain: r.domain,
    accounts: Number(r.accounts),
    nextCheckAt: Number(r.next_check_at),
    checkedAt: r.checked_at,
    result: r.result,
    detail: r.detail,
    failures: Number(r.failures),
    failingSince: r.failing_since,
    lastFailureAt: r.last_failure_at,
    unknownSince: r.unknown_since,
    flaggedAt: r.flagged_at,
    reportedAt: r.reported_at,
    resolvesAgainAt: r.resolves_again_at,
  };
}

export async function getCheck(db: DbExecutor, domain: string): Promise<DomainCheck | undefined> {
  const r = await db
    .selectFrom("email_domain_checks")
    .selectAll()
    .where("domain", "=", domain)
    .executeTakeFirst();
  return r && toCheck(r);
}

/** The domain part of email_canonical, in each dialect's SQL (registration allows exactly one "@"). */
function domainOf(dialect: Deps["dialect"]) {
  return dialect === "postgres"
    ? sql<string>`split_part(email_canonical, '@', 2)`
    : sql<string>`substr(email_canonical, instr(email_canonical, '@') + 1)`;
}

/** Verified accounts per domain, with a domain the check can ask about (ASCII names only). */
async function verifiedDomains(
  deps: Pick<Deps, "db" | "dialect">,
  only?: string,
): Promise<Map<string, number>> {
  const expr = domainOf(deps.dialect);
  let q = deps.db
    .selectFrom("users")
    .select((eb) => [expr.as("domain"), eb.fn.countAll<number>().as("n")])
    .where("email_verified_at", "is not", null);
  if (only) q = q.where("email_canonical", "like", `%@${only}`);
  const rows = await q.groupBy(expr).execute();
  const counts = new Map<string, number>();
  for (const r of rows) {
    try {
      // An unverified address proves nothing about its domain, and its mail is refused anyway; a
      // name the mark cannot hold (an IDN in Unicode) is left to operators.
      const d = normalizeDomain(r.domain);
      counts.set(d, (counts.get(d) ?? 0) + Number(r.n));
    } catch (e) {
      if (!isAppError(e)) throw e;
    }
  }
  return counts;
}

/**
 * Brings the table in line with the domains of verified accounts: a new domain is due at once, the
 * count of a known one is refreshed, a domain nobody uses any more drops to 0 accounts (and out of the
 * checks) but keeps its evidence for the console. `only`: one domain (`wharf domains check --domain`).
 */
export async function syncDomains(
  deps: Pick<Deps, "db" | "dialect">,
  now: number,
  only?: string,
): Promise<number> {
  const counts = await verifiedDomains(deps, only);
  let known = deps.db.selectFrom("email_domain_checks").select(["domain", "accounts"]);
  if (only) known = known.where("domain", "=", only);
  const existing = new Map((await known.execute()).map((r) => [r.domain, Number(r.accounts)]));
  const fresh = [...counts].filter(([d]) => !existing.has(d));
  for (let i = 0; i < fresh.length; i += 500)
    await deps.db
      .insertInto("email_domain_checks")
      .values(fresh.slice(i, i + 500).map(([domain, accounts]) => ({ domain, accounts, next_check_at: now })))
      .onConflict((oc) => oc.column("domain").doNothing())
      .execute();
  for (const [domain, before] of existing) {
    const accounts = counts.get(domain) ?? 0;
    if (accounts !== before)
      await deps.db
        .updateTable("email_domain_checks")
        .set({ accounts })
        .where("domain", "=", domain)
        .execute();
  }
  return counts.size;
}

export async function dueDomains(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("email_domain_checks")
    .select("domain")
    .where("next_check_at", "<=", now)
    .where("accounts", ">", 0)
    .orderBy("next_check_at")
    .orderBy("domain")
    .limit(limit)
    .execute();
  return rows.map((r) => r.domain);
}

/** Rows worth an operator's eye: failing, reported, flagged, resolving again, or unanswered for a while. */
export async function notableChecks(db: Db): Promise<DomainCheck[]> {
  const rows = await db
    .selectFrom("email_domain_checks")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("failures", ">", 0),
        eb("unknown_since", "is not", null),
        eb("flagged_at", "is not", null),
        eb("reported_at", "is not", null),
        eb("resolves_again_at", "is not", null),
        eb("domain", "in", eb.selectFrom("abandoned_email_domains").select("domain")),
      ]),
    )
    .orderBy("domain")
    .execute();
  return rows.map(toCheck);
}

/** An operator lifted the mark: the next flag needs a fresh run of failed checks. */
export async function resetStreak(db: DbExecutor, domain: string): Promise<void> {
  await db
    .updateTable("email_domain_checks")
    .set({
      failures: 0,
      failing_since: null,
      last_failure_at: null,
      flagged_at: null,
      reported_at: null,
      resolves_again_at: null,
    })
    .where("domain", "=", domain)
    .execute();
}

export interface DomainAccount {
  username: string;
  email: string;
  verified: boolean;
}

/** Accounts with an address at the domain or a subdomain (the reach of a mark), first `limit` by name. */
export async function accountsListAt(db: DbExecutor, domain: string, limit = 50): Promise<DomainAccount[]> {
  const rows = await db
    .selectFrom("users")
    .select(["username", "email", "email_verified_at"])
    .where((eb) =>
      eb.or([eb("email_canonical", "like", `%@${domain}`), eb("email_canonical", "like", `%.${domain}`)]),
    )
    .orderBy("username")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ username: r.username, email: r.email, verified: r.email_verified_at !== null }));
}
