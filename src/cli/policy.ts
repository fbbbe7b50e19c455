import { recordAudit } from "../admin/index.js";
import { loadConfig } from "../config.js";
import {
  CRITICALITY_LEASE,
  type CriticalityRule,
  computeCriticality,
  deliverPolicyMail,
  describeRule,
  designateCritical,
  getRule,
  parseCount,
  parseWindow,
  previewRun,
  removeCritical,
  setRule,
} from "../criticality/index.js";
import { type Tx, transaction } from "../db/index.js";
import { MAX_TRANSITIVE_TOP, rankByDependents, recomputeDependents } from "../dependents/index.js";
import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { instanceId, withLease } from "../jobs/index.js";
import { isAppError } from "../lib/errors.js";
import { simulate, simulationInput } from "../mandates/index.js";
import { STATS_ECOSYSTEMS } from "../stats/index.js";
import { asksHelp, type Options, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import {
  dependentsSelection,
  ecosystemOf,
  onOff,
  selection,
  simulationFlags,
  str,
  usage,
} from "./policy-flags.js";
import { describeCompute, describePreview, secs } from "./policy-text.js";
import { describeSimulation } from "./simulation-text.js";
import { fmt, withPolicyDeps } from "./stats.js";

export const POLICY_HELP = `Usage: wharf policy <command> [options] [settings]

  compute [--ecosystem E] [--reason R]
      Rank projects by downloads and designate critical ones now (the server also does it daily).
      A run that changes designations is recorded in the audit log (operator cli:<os user>@<host>).
  rule show
  rule set --ecosystem E [--top 1% | --top-k N | --threshold N] [--window 180d] [--downloads on|off]
           [--dependents-top 1% | --dependents-top-k N | --dependents-threshold N | --dependents off]
           [--sticky true|false] (--reason R | --dry-run)
      The criticality rule (default: top 1% by downloads over 180 days, sticky: never removed
      automatically). A project is critical when the download clause OR the dependents clause selects
      it ("--top-k 100 --dependents-top-k 100"); --downloads off keeps only the dependents clause.
      Prints the designations the new rule would make and end and the emails that would go out;
      --dry-run stops there; otherwise the rule is saved and audited (--reason required).
  dependents recompute [--ecosystem E] [--transitive] [--transitive-top N] --reason R
      Recount every project's direct dependents from the latest releases (publishes, yanks and
      unpublishes keep them current; this repairs and fills them), audited. --transitive also counts
      transitive dependents of the N names with the most direct ones (default 1,000, at most 10,000).
  dependents top [--ecosystem E] [--limit 20]
      The most depended-on names (hosted or not) and their counts.
  critical add NAME --ecosystem E --reason R
  critical remove NAME --ecosystem E --reason R
      Designate or undesignate a project by hand; the reason (required, 3-500 characters) is recorded
      on the project and, with the operator as cli:<os user>@<host>, in the audit log (/admin/audit).
      A removed project stays out until it is added again.
  simulate [--cohort critical|all-projects|threshold|projects|all-users] [--ecosystem ${ECOSYSTEM_NAMES.join(",")}]
           [--top 1% | --top-k N | --threshold N] [--window 180d] [--sticky true|false]
           [--downloads on|off] [--dependents-top 1% | --dependents-top-k N |
           --dependents-threshold N | --dependents off]
           [--project NAME]... [--min-downloads N] [--cohort-window 180d] [--warn-days 30]
           [--strength any|phishing-resistant] [--staging none|any|phishing-resistant]
           [--staging-window 90d] [--json]
      What a mandate over a cohort would meet: the cohort (critical: under the current rule, or the
      one given, with the clause that made each project critical), maintainers, their two-factor readiness and the emails each phase would send, by
      the sender's own rules. With --staging: how many releases of the cohort in the past window
      (default 90 days) a token or trusted publisher published without a second factor, per
      ecosystem: those would have waited for a maintainer's approval. Changes nothing.
  mandate ...
      Rollouts: see 'wharf policy mandate --help'.

${SETTINGS_HELP}`;

const OPTIONS: Options = {
  ecosystem: { type: "string" },
  top: { type: "string" },
  "top-k": { type: "string" },
  threshold: { type: "string" },
  window: { type: "string" },
  sticky: { type: "string" },
  strength: { type: "string" },
  reason: { type: "string" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  cohort: { type: "string" },
  project: { type: "string", multiple: true },
  "min-downloads": { type: "string" },
  "cohort-window": { type: "string" },
  "warn-days": { type: "string" },
  staging: { type: "string" },
  "staging-window": { type: "string" },
  downloads: { type: "string" },
  dependents: { type: "string" },
  "dependents-top": { type: "string" },
  "dependents-top-k": { type: "string" },
  "dependents-threshold": { type: "string" },
  transitive: { type: "boolean" },
  "transitive-top": { type: "string" },
  limit: { type: "string" },
};

/** `wharf policy compute | rule | critical | simulate ...` (mandates live in cli/mandates.ts). */
export async function policyCli(argv: string[]): Promise<number> {
  const [sub, ...after] = argv;
  const twoWord = sub === "rule" || sub === "critical" || sub === "dependents";
  const action = twoWord ? `${sub} ${after[0] ?? ""}` : (sub ?? "");
  const { values, positionals } = parse(twoWord ? after.slice(1) : after, OPTIONS);
  const known = [
    "compute",
    "simulate",
    "rule show",
    "rule set",
    "critical add",
    "critical remove",
    "dependents recompute",
    "dependents top",
  ];
  // `wharf policy rule --help` puts the flag where the second word goes: help, not an unknown action.
  const help = asksHelp(values, sub, after[0]);
  if (help || !known.includes(action)) {
    console.log(POLICY_HELP);
    return help ? 0 : 2;
  }
  // Refused before the database is opened: nothing changes without a reason for the audit log.
  const reason =
    action === "critical add" || action === "critical remove"
      ? cliReason(values.reason, `wharf policy ${action} NAME --ecosystem E --reason R`)
      : action === "dependents recompute"
        ? cliReason(values.reason, "wharf policy dependents recompute [--ecosystem E] --reason R")
        : action === "rule set" && !values["dry-run"]
          ? cliReason(values.reason, "wharf policy rule set --ecosystem E ... --reason R (or --dry-run)")
          : action === "compute" && values.reason !== undefined
            ? cliReason(values.reason, "wharf policy compute [--ecosystem E] [--reason R]")
            : "Ran the criticality rule by hand (wharf policy compute)";
  const config = loadConfig(process.env, settingFlags(values));
  return withPolicyDeps(config, async (deps) => {
    try {
      switch (action) {
        case "compute": {
          const holder = instanceId();
          const ecosystem = ecosystemOf(values, false);
          const actor = cliActor();
          const run = await withLease(deps.db, CRITICALITY_LEASE, holder, 15 * 60_000, deps.clock.now(), () =>
            computeCriticality(deps, {
              ecosystem,
              // Only a run that changed designations is an operator action worth an entry.
              alsoInTransaction: (tx, c) =>
                recordAudit(tx, deps.clock.now(), actor, {
                  action: "critical.compute",
                  targetType: "ecosystem",
                  target: c.ecosystem,
                  reason,
                  data: { added: c.added, removed: c.removed },
                }),
            }),
          );
          if (!run.ran)
            throw new UsageError(
              `Another instance is computing criticality (its lease ends ${new Date(run.heldUntil ?? 0).toISOString()}); try again later.`,
            );
          for (const r of run.value) console.log(describeCompute(r));
          const mail = await deliverPolicyMail(deps);
          if (mail.sent || mail.failed)
            console.log(
              `Sent ${fmt(mail.sent)} email(s)${mail.failed ? `; ${fmt(mail.failed)} failed and will be retried by the server` : ""}.`,
            );
          return 0;
        }
        case "rule show":
          for (const e of STATS_ECOSYSTEMS) {
            const r = await getRule(deps.db, e);
            console.log(`${e}: ${describeRule(r)}${r.sticky ? ", sticky" : ", not sticky"}`);
          }
          return 0;
        case "rule set": {
          const ecosystem = ecosystemOf(values, true)!;
          const current = await getRule(deps.db, ecosystem);
          const sticky = str(values, "sticky");
          if (sticky !== undefined && sticky !== "true" && sticky !== "false")
            throw new UsageError("--sticky must be true or false");
          const downloads = selection(values, true);
          const dependents = dependentsSelection(values);
          const byDownloads = onOff(values, "downloads");
          if (
            !downloads &&
            dependents === undefined &&
            byDownloads === undefined &&
            sticky === undefined &&
            str(values, "window") === undefined
          )
            throw new UsageError(
              "Give what changes: --top 1%, --top-k N or --threshold N; --dependents-top-k N (or -top, -threshold, off); --downloads on|off; --window; --sticky",
            );
          const rule: CriticalityRule = {
            ...current,
            ...downloads,
            ...(dependents !== undefined ? { dependents } : {}),
            ...(byDownloads !== undefined ? { byDownloads } : {}),
            windowDays: str(values, "window")
              ? usage(() => parseWindow(str(values, "window")!))
              : current.windowDays,
            sticky: sticky === undefined ? current.sticky : sticky === "true",
          };
          const line = (r: CriticalityRule) => `${describeRule(r)}${r.sticky ? ", sticky" : ", not sticky"}`;
          if (!rule.byDownloads && !rule.dependents)
            throw new UsageError(
              "With --downloads off, give a dependents clause (--dependents-top-k N, ...)",
            );
          const preview = await previewRun(deps, rule);
          console.log(`${ecosystem}: now ${line(current)}; new ${line(rule)}.`);
          console.log(describePreview(preview));
          if (values["dry-run"]) {
            console.log("Dry run: nothing saved.");
            return 0;
          }
          const actor = cliActor();
          await transaction(deps.db, async (tx) => {
            const saved = await setRule(tx, rule, deps.clock.now());
            await recordAudit(tx, deps.clock.now(), actor, {
              action: "critical.rule",
              targetType: "ecosystem",
              target: ecosystem,
              reason,
              data: {
                before: current,
                after: saved,
                forecast: {
                  designate: preview.plan.add.length,
                  end: preview.plan.remove.length,
                  mails: preview.mails,
                },
              },
            });
          });
          console.log(`Saved: ${ecosystem}: ${line(rule)}; recorded in the audit log as ${actor.name}.`);
          console.log("Run 'wharf policy compute' to apply it now (the server applies it within a day).");
          return 0;
        }
        case "critical add":
        case "critical remove": {
          const name = positionals[0];
          if (!name)
            throw new UsageError(`Give the project: wharf policy ${action} NAME --ecosystem E --reason R`);
          const ecosystem = ecosystemOf(values, true)!;
          const actor = cliActor();
          const input = {
            ecosystem,
            name,
            reason,
            actorId: null,
            // The same entry as the console's, in the same transaction, only when something changed.
            alsoInTransaction: (tx: Tx, c: { project: string; maintainers: number }) =>
              recordAudit(tx, deps.clock.now(), actor, {
                action: action === "critical add" ? "critical.designate" : "critical.remove",
                targetType: "project",
                target: `${ecosystem}/${c.project}`,
                reason,
                data: { maintainers: c.maintainers },
              }),
          };
          const r =
            action === "critical add"
              ? await designateCritical(deps, input)
              : await removeCritical(deps, input);
          const done =
            action === "critical add" ? "designated critical" : "removed from the critical projects";
          console.log(
            r.changed
              ? `${r.project} ${done}; recorded on the project${r.mailed ? `; ${r.mailed} maintainer(s) emailed` : ""}.`
              : `${r.project} was already ${action === "critical add" ? "designated by an admin" : "excluded"}: nothing changed.`,
          );
          return 0;
        }
        case "dependents recompute": {
          const only = ecosystemOf(values, false);
          const top = str(values, "transitive-top");
          const transitive = values.transitive
            ? { top: top === undefined ? 1000 : usage(() => parseCount(top)) }
            : undefined;
          if (transitive && transitive.top > MAX_TRANSITIVE_TOP)
            throw new UsageError(`--transitive-top is at most ${fmt(MAX_TRANSITIVE_TOP)}`);
          const actor = cliActor();
          for (const ecosystem of only ? [only] : STATS_ECOSYSTEMS) {
            const r = await transaction(deps.db, async (tx) => {
              const report = await recomputeDependents(tx, ecosystem, { transitive });
              await recordAudit(tx, deps.clock.now(), actor, {
                action: "dependents.recompute",
                targetType: "ecosystem",
                target: ecosystem,
                reason,
                data: { ...report, ms: Math.round(report.ms) },
              });
              return report;
            });
            console.log(
              `${ecosystem}: ${fmt(r.projects)} projects, ${fmt(r.edges)} dependencies, ${fmt(r.depended)} names depended on; ${fmt(r.corrected)} count(s) corrected${r.transitive ? `; transitive dependents of the top ${fmt(r.transitive)}` : ""}; took ${secs(r.ms)}`,
            );
          }
          console.log(`Recorded in the audit log as ${actor.name}.`);
          return 0;
        }
        case "dependents top": {
          const limit =
            str(values, "limit") === undefined ? 20 : usage(() => parseCount(str(values, "limit")!));
          for (const ecosystem of ecosystemOf(values, false)
            ? [ecosystemOf(values, false)!]
            : STATS_ECOSYSTEMS) {
            const { population, selected } = await rankByDependents(
              deps.db,
              ecosystem,
              "top-k",
              Math.min(limit, 10_000),
            );
            console.log(`${ecosystem}: ${fmt(population)} names have dependents`);
            for (const r of selected)
              console.log(`  ${String(r.rank).padStart(5)}  ${fmt(r.dependents).padStart(9)}  ${r.name}`);
          }
          return 0;
        }
        case "simulate": {
          const parsed = simulationInput.safeParse(simulationFlags(values));
          if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
          const sim = await simulate(deps, parsed.data);
          console.log(values.json ? JSON.stringify(sim, null, 2) : describeSimulation(sim));
          return 0;
        }
      }
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
    return 2;
  });
}
