import {
  type CheckRun,
  DNS_CHECK_ACTOR,
  DOMAIN_CHECK_LEASE,
  domainsOverview,
  recordAudit,
  runDomainChecks,
} from "../admin/index.js";
import { loadConfig } from "../config.js";
import { transaction } from "../db/index.js";
import { createResolver, lookupMail } from "../dns/index.js";
import { instanceId, withLease } from "../jobs/index.js";
import { MINUTE } from "../lib/clock.js";
import { isAppError } from "../lib/errors.js";
import { normalizeDomain } from "../recovery/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withPolicyDeps } from "./stats.js";

export const DOMAINS_HELP = `Usage: wharf domains check [--domain D] --reason TEXT [settings]
       wharf domains check --domain D --dry-run [settings]
       wharf domains list [settings]

  check    Run the abandoned-email-domain DNS check now: the due domains of verified accounts (as the
           periodic job does), or only --domain D, due or not. A domain is marked abandoned after
           3 checks at least a day apart found no mail host (NXDOMAIN, no MX/A/AAAA, null MX); checks
           sooner than that are recorded but do not count. --reason (3-500 characters) is required:
           when the run marks, reports or finds a marked domain receiving mail again, the audit log
           (/admin/audit) records it as system:dns-check and the run as cli:<os user>@<host>.
           --dry-run: only print what DNS says about --domain D; nothing is read or written.
  list     Domains marked abandoned (by whom, the DNS evidence) and the suspects the check found

DNS servers: WHARF_DNS_SERVERS (the host's resolv.conf when unset). The canary WHARF_DOMAIN_CHECK_CANARY
must resolve, else nothing is checked (a resolver that answers nothing proves nothing).

${SETTINGS_HELP}`;

const day = (ms: number | null) =>
  ms === null ? "-" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");

function printRun(r: CheckRun, servers: string[]): void {
  if (r.canaryFailed) {
    console.log(`Nothing checked: the canary ${r.canaryFailed} (DNS servers: ${servers.join(", ")}).`);
    return;
  }
  const width = Math.max(6, ...r.checked.map((c) => c.domain.length));
  for (const c of r.checked) console.log(`${c.domain.padEnd(width)}  ${c.outcome.padEnd(15)}  ${c.detail}`);
  const n = (o: string) => r.checked.filter((c) => c.outcome === o).length;
  console.log(
    `Checked ${r.checked.length} of ${r.domains} domain(s) (DNS servers: ${servers.join(", ")}): ` +
      `${n("flagged")} marked abandoned, ${n("reported")} reported, ${n("failing")} failing, ` +
      `${n("resolves_again")} marked but receiving mail again, ${n("unknown")} without an answer.`,
  );
}

/** `wharf domains ...`: the abandoned-email-domain check from the shell (issue 13 item 3). */
export async function domainsCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    domain: { type: "string" },
    reason: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  const help = asksHelp(values, sub);
  if (help || !(sub === "check" || sub === "list")) {
    console.log(DOMAINS_HELP);
    return help ? 0 : 2;
  }
  if (positionals.length) throw new UsageError(`wharf domains ${sub} takes no arguments; see --help.`);
  const config = loadConfig(process.env, settingFlags(values));
  const dns = createResolver(config);
  let only: string | undefined;
  try {
    only = typeof values.domain === "string" ? normalizeDomain(values.domain) : undefined;
  } catch (e) {
    if (isAppError(e)) throw new UsageError(`--domain: ${e.message}`);
    throw e;
  }
  if (sub === "check" && values["dry-run"]) {
    if (!only) throw new UsageError("--dry-run needs --domain D.");
    console.log(JSON.stringify({ domain: only, servers: dns.servers, ...(await lookupMail(dns, only)) }));
    return 0;
  }
  const reason =
    sub === "check" ? cliReason(values.reason, "wharf domains check [--domain D] --reason TEXT") : "";
  return withPolicyDeps(config, async (deps) => {
    if (sub === "list") {
      const { domains, suspects } = await domainsOverview(deps);
      console.log(domains.length ? "Marked abandoned:" : "No domain is marked abandoned.");
      for (const d of domains) {
        const c = d.check;
        const again = c?.resolvesAgainAt ? `  RECEIVES MAIL AGAIN since ${day(c.resolvesAgainAt)}` : "";
        const dns = c?.checkedAt ? `; DNS ${day(c.checkedAt)}: ${c.detail}` : "";
        console.log(
          `  ${d.domain}  ${d.accounts} account(s)  by ${d.markedBy}, ${day(d.createdAt)}${dns}${again}`,
        );
      }
      if (suspects.length) console.log("Suspects (not marked):");
      for (const s of suspects) {
        const state = s.reportedAt
          ? "reported: too many accounts to mark automatically"
          : s.failures
            ? `no mail host on ${s.failures} check(s) since ${day(s.failingSince)}`
            : `no answer since ${day(s.unknownSince)}`;
        console.log(`  ${s.domain}  ${s.accounts} verified account(s)  ${state}; last: ${s.detail}`);
      }
      return 0;
    }
    // The same lease as the server's job: two runs at once could both count the same day's failure.
    const leased = await withLease(
      deps.db,
      DOMAIN_CHECK_LEASE,
      instanceId(),
      15 * MINUTE,
      deps.clock.now(),
      () => runDomainChecks({ ...deps, config }, dns, { only }),
    );
    if (!leased.ran)
      throw new UsageError(
        `A check is running on a server instance (until ${day(leased.heldUntil)} at the latest); try again then.`,
      );
    const run = leased.value;
    if (only && !run.domains && !run.canaryFailed)
      console.log(`No verified account uses an address at ${only}: nothing to check.`);
    const changed = run.checked.filter((c) => ["flagged", "reported", "resolves_again"].includes(c.outcome));
    if (changed.length)
      // The marks themselves are by system:dns-check (their own entries); this one says who ran it and why.
      await transaction(deps.db, (tx) =>
        recordAudit(tx, deps.clock.now(), cliActor(), {
          action: "domain.dns_check",
          targetType: "domain",
          target: only ?? "(due domains)",
          reason,
          data: { checkedBy: DNS_CHECK_ACTOR.name, changed },
        }),
      );
    printRun(run, dns.servers);
    // A run that could not look anything up is a failure a cron wrapper should see.
    return run.canaryFailed ? 1 : 0;
  });
}
