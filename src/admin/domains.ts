import { isUniqueViolation, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import {
  type AbandonedDomain,
  accountsAtDomain,
  listAbandoned,
  markAbandoned,
  normalizeDomain,
  unmarkAbandoned,
} from "../recovery/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import {
  accountsListAt,
  type DomainAccount,
  type DomainCheck,
  notableChecks,
  resetStreak,
} from "./domain-check-store.js";
import { requireReason } from "./errors.js";

export interface AbandonedDomainRow extends AbandonedDomain {
  /** Accounts with an address at the domain or a subdomain: they can no longer recover by email. */
  accounts: number;
  /** The first of them by name, for the operator to open. */
  people: DomainAccount[];
  /** What the DNS check found (none for a domain no verified account uses). */
  check?: DomainCheck;
}

/** A domain the DNS check finds without a mail host (or without an answer), not marked abandoned. */
export interface SuspectDomain extends DomainCheck {
  people: DomainAccount[];
}

export async function listAbandonedDomains(deps: Pick<Deps, "db">): Promise<AbandonedDomainRow[]> {
  return (await domainsOverview(deps)).domains;
}

/** The console's page: marked domains with their DNS evidence, and the suspects not marked (yet). */
export async function domainsOverview(
  deps: Pick<Deps, "db">,
): Promise<{ domains: AbandonedDomainRow[]; suspects: SuspectDomain[] }> {
  const [marked, notable] = await Promise.all([listAbandoned(deps.db), notableChecks(deps.db)]);
  const checks = new Map(notable.map((c) => [c.domain, c]));
  const domains = await Promise.all(
    marked.map(async (d) => ({
      ...d,
      accounts: await accountsAtDomain(deps.db, d.domain),
      people: await accountsListAt(deps.db, d.domain),
      check: checks.get(d.domain),
    })),
  );
  const isMarked = new Set(marked.map((d) => d.domain));
  const suspects = await Promise.all(
    notable
      .filter((c) => !isMarked.has(c.domain) && c.accounts > 0 && (c.failures > 0 || c.unknownSince !== null))
      .map(async (c) => ({ ...c, people: await accountsListAt(deps.db, c.domain) })),
  );
  return { domains, suspects };
}

/**
 * Marks a lapsed domain: whoever registers it next receives its mail, so its addresses stop being a way
 * to recover an account (OpenSSF L2) and receive no mail that grants access (reset, verification and
 * email-change links: accounts/context.ts sendAccessMail). Returns how many accounts that affects, counted in the same
 * transaction as the mark.
 */
export async function abandonDomain(
  deps: Deps,
  actor: AuditActor,
  rawDomain: string,
  rawReason: string,
): Promise<{ domain: string; accounts: number }> {
  const domain = normalizeDomain(rawDomain);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  try {
    return await transaction(deps.db, async (tx) => {
      if (!(await markAbandoned(tx, now, domain, reason, actor.name)))
        throw consoleErrors.DOMAIN_ALREADY_ABANDONED();
      const accounts = await accountsAtDomain(tx, domain);
      await recordAudit(tx, now, actor, {
        action: "domain.abandon",
        targetType: "domain",
        target: domain,
        reason,
        data: { accounts },
      });
      return { domain, accounts };
    });
  } catch (e) {
    // Two admins marking the same domain at once: the primary key lets one win.
    if (isUniqueViolation(e)) throw consoleErrors.DOMAIN_ALREADY_ABANDONED();
    throw e;
  }
}

/** Lifts the mark (the domain's registration was renewed after all, or it was marked by mistake). */
export async function restoreDomain(
  deps: Deps,
  actor: AuditActor,
  rawDomain: string,
  rawReason: string,
): Promise<{ domain: string }> {
  const domain = normalizeDomain(rawDomain);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    if (!(await unmarkAbandoned(tx, domain))) throw consoleErrors.DOMAIN_NOT_ABANDONED();
    // Whatever the DNS check found so far is settled by this decision: it needs a fresh run of failed
    // checks (days apart) before it marks the domain again.
    await resetStreak(tx, domain);
    await recordAudit(tx, now, actor, {
      action: "domain.restore",
      targetType: "domain",
      target: domain,
      reason,
    });
  });
  return { domain };
}
