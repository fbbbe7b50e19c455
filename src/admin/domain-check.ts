import type { Updateable } from "kysely";
import { type Database, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type DnsResolver, lookupMail, type MailVerdict, provesResolution } from "../dns/index.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { DAY, HOUR, MINUTE } from "../lib/clock.js";
import { markAbandoned } from "../recovery/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { dueDomains, getCheck, syncDomains } from "./domain-check-store.js";

/*
 * The periodic DNS check of email domains (issue 13 item 3; OpenSSF Principles for Package Repository
 * Security, L2: detect abandoned email domains). A lapsed domain re-registered by someone else receives
 * the mail of every address under it, password resets included; marking it abandoned (recovery/domains.ts)
 * stops that mail. The job only ever marks: the rules below are about never marking on too little.
 */

/** Who the audit log names for the job's own entries. */
export const DNS_CHECK_ACTOR: AuditActor = { id: "system:dns-check", name: "system:dns-check", ip: "" };

/**
 * Checks that found no mail host, each at least FAILURE_SPACING after the previous one, before a domain
 * is marked: one registrar outage or DNS mistake fixed within two days locks nobody out.
 */
export const FAILURES_TO_FLAG = 3;
export const FAILURE_SPACING = DAY;
/** A healthy domain is checked again a week later; one with no answer (SERVFAIL, timeout) sooner. */
const RECHECK_OK = 7 * DAY;
const RECHECK_UNKNOWN = 6 * HOUR;
/** Parallel lookups: a batch of hundreds finishes in seconds without flooding the resolver. */
const CONCURRENCY = 8;

export type CheckOutcome =
  | "accepts"
  | "failing"
  | "flagged"
  | "reported"
  | "still_abandoned"
  | "resolves_again"
  | "unknown";

export interface CheckRun {
  domains: number;
  checked: Array<{ domain: string; outcome: CheckOutcome; detail: string }>;
  /** Set when nothing was checked because the canary did not resolve (the resolver is not answering). */
  canaryFailed?: string;
}

export type CheckDeps = Pick<Deps, "db" | "dialect" | "clock" | "log"> & {
  config: Pick<Deps["config"], "domainCheck">;
};

const verdictResult = (v: MailVerdict) => (v.verdict === "none" ? v.reason : v.verdict);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Stores one lookup's verdict and acts on the streak it completes; one transaction per domain. */
export async function recordVerdict(deps: CheckDeps, domain: string, v: MailVerdict): Promise<CheckOutcome> {
  const now = deps.clock.now();
  const { maxAccounts } = deps.config.domainCheck;
  return transaction(deps.db, async (tx) => {
    const row = await getCheck(tx, domain);
    if (!row) return "unknown";
    const abandoned = Boolean(
      await tx
        .selectFrom("abandoned_email_domains")
        .select("domain")
        .where("domain", "=", domain)
        .executeTakeFirst(),
    );
    const base = {
      checked_at: now,
      result: verdictResult(v),
      detail: v.verdict === "accepts" ? v.hosts.slice(0, 5).join(", ") : v.detail,
    };
    const update = (set: Updateable<Database["email_domain_checks"]>) =>
      tx
        .updateTable("email_domain_checks")
        .set({ ...base, ...set })
        .where("domain", "=", domain)
        .execute();

    if (v.verdict === "unknown") {
      // No evidence either way: the streak neither grows nor breaks.
      await update({ unknown_since: row.unknownSince ?? now, next_check_at: now + RECHECK_UNKNOWN });
      return "unknown";
    }

    if (v.verdict === "accepts") {
      await update({
        failures: 0,
        failing_since: null,
        last_failure_at: null,
        unknown_since: null,
        reported_at: null,
        resolves_again_at: abandoned ? (row.resolvesAgainAt ?? now) : null,
        next_check_at: now + RECHECK_OK,
      });
      if (!abandoned) return "accepts";
      // Never lifted automatically: whoever re-registered a lapsed domain gives it MX records next, and
      // that is the very attack the mark stops. An operator checks who holds it now, then restores.
      if (row.resolvesAgainAt === null)
        await recordAudit(tx, now, DNS_CHECK_ACTOR, {
          action: "domain.dns_resolves_again",
          targetType: "domain",
          target: domain,
          reason: `${domain} is marked abandoned but receives mail again (${base.detail}): check who holds it before restoring`,
          data: { result: base.result, hosts: base.detail },
        });
      return "resolves_again";
    }

    // No mail host. A check sooner than FAILURE_SPACING after the last counted one (an operator's
    // `wharf domains check`, a restart) is recorded but does not lengthen the streak.
    const counts = row.lastFailureAt === null || now - row.lastFailureAt >= FAILURE_SPACING;
    const failures = counts ? row.failures + 1 : row.failures;
    const failingSince = row.failingSince ?? now;
    const lastFailureAt = counts ? now : row.lastFailureAt;
    const set: Updateable<Database["email_domain_checks"]> = {
      failures,
      failing_since: failingSince,
      last_failure_at: lastFailureAt,
      unknown_since: null,
      next_check_at: (lastFailureAt ?? now) + FAILURE_SPACING,
    };
    if (abandoned) {
      await update(set);
      return "still_abandoned";
    }
    if (failures < FAILURES_TO_FLAG) {
      await update(set);
      return "failing";
    }
    const evidence = `${v.detail}, on ${failures} checks since ${day(failingSince)}`;
    const data = {
      accounts: row.accounts,
      result: base.result,
      detail: v.detail,
      failures,
      failingSince,
      lastCheck: now,
    };
    if (row.accounts > maxAccounts) {
      // Report, do not act: a domain this many people use rarely lapses for real (a company's or a mail
      // provider's), and a mistake would refuse every one of them a password reset at once. Its vanishing
      // is more likely a DNS incident, or a takeover in progress that operators must look at anyway.
      await update({ ...set, reported_at: row.reportedAt ?? now });
      if (row.reportedAt === null) {
        await recordAudit(tx, now, DNS_CHECK_ACTOR, {
          action: "domain.dns_report",
          targetType: "domain",
          target: domain,
          reason: `${evidence}; not marked: ${row.accounts} verified accounts is above WHARF_DOMAIN_CHECK_MAX_ACCOUNTS (${maxAccounts})`,
          data,
        });
        deps.log.warn(
          { domain, accounts: row.accounts, evidence },
          "email domain has no mail host; reported, not marked",
        );
      }
      return "reported";
    }
    if (!(await markAbandoned(tx, now, domain, `DNS check: ${evidence}`, DNS_CHECK_ACTOR.name))) {
      // An operator marked it while this lookup ran: theirs is the mark, and the audit entry.
      await update(set);
      return "still_abandoned";
    }
    await update({ ...set, flagged_at: now, reported_at: null, resolves_again_at: null });
    await recordAudit(tx, now, DNS_CHECK_ACTOR, {
      action: "domain.abandon",
      targetType: "domain",
      target: domain,
      reason: `DNS check: ${evidence}`,
      data,
    });
    deps.log.warn(
      { domain, accounts: row.accounts, evidence },
      "email domain marked abandoned by the DNS check",
    );
    return "flagged";
  });
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/**
 * One run: refresh the list of domains, prove the resolver answers (the canary), then check the due
 * domains, at most `batch` of them. `only`: check that one domain now, due or not.
 */
export async function runDomainChecks(
  deps: CheckDeps,
  dns: DnsResolver,
  opts: { only?: string } = {},
): Promise<CheckRun> {
  const { batch, canary } = deps.config.domainCheck;
  const now = deps.clock.now();
  const domains = await syncDomains(deps, now, opts.only);
  const run: CheckRun = { domains, checked: [] };
  const probe = await lookupMail(dns, canary);
  if (!provesResolution(probe)) {
    // Fail closed the right way round: no answer for a name that must exist means the answers for the
    // others are worthless too, so nothing is recorded, let alone marked.
    run.canaryFailed = `${canary}: ${probe.verdict === "accepts" ? "" : probe.detail}`;
    deps.log.warn(
      { canary, result: probe },
      "email domain check skipped: the canary domain does not resolve",
    );
    return run;
  }
  const due = opts.only ? (domains ? [opts.only] : []) : await dueDomains(deps.db, now, batch);
  await pool(due, CONCURRENCY, async (domain) => {
    const v = await lookupMail(dns, domain);
    const outcome = await recordVerdict(deps, domain, v);
    run.checked.push({
      domain,
      outcome,
      detail: v.verdict === "accepts" ? v.hosts.slice(0, 3).join(", ") : v.detail,
    });
  });
  run.checked.sort((a, b) => a.domain.localeCompare(b.domain));
  return run;
}

export const DOMAIN_CHECK_LEASE = "email-domain-check";

/**
 * Runs a batch every `WHARF_DOMAIN_CHECK_INTERVAL_MINUTES` on one instance at a time (a lease).
 * Off when the interval is 0. Returns a stop function that waits for a run in progress.
 */
export function startDomainCheckJob(deps: CheckDeps, dns: DnsResolver): () => Promise<void> {
  const { intervalMs } = deps.config.domainCheck;
  if (!intervalMs) return async () => undefined;
  const holder = instanceId();
  return repeatEvery(
    async () => {
      try {
        const r = await withLease(deps.db, DOMAIN_CHECK_LEASE, holder, 15 * MINUTE, deps.clock.now(), () =>
          runDomainChecks(deps, dns),
        );
        if (!r.ran) return;
        const by = (o: CheckOutcome) => r.value.checked.filter((c) => c.outcome === o).length;
        if (r.value.checked.length)
          deps.log.info(
            {
              checked: r.value.checked.length,
              failing: by("failing"),
              flagged: by("flagged"),
              unknown: by("unknown"),
            },
            "email domains checked",
          );
      } catch (e) {
        deps.log.error({ err: e }, "email domain check failed");
      }
    },
    { intervalMs, firstDelayMs: 5 * MINUTE },
  );
}
