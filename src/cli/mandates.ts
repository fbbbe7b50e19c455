import { recordAudit } from "../admin/index.js";
import { loadConfig, resolveSecretKey } from "../config.js";
import { type Tx, transaction } from "../db/index.js";
import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { DAY } from "../lib/clock.js";
import { isAppError } from "../lib/errors.js";
import {
  activeMandates,
  archiveMandate,
  auditedSettings,
  type Cohort,
  createMandate,
  draftInput,
  getMandate,
  type Mandate,
  type MandateShape,
  mandateErrors,
  phaseOf,
  simulate,
  simulationInput,
  updateMandate,
} from "../mandates/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { describeSimulation } from "./simulation-text.js";
import { withAccountDeps } from "./user.js";

export const MANDATE_HELP = `Usage: wharf policy mandate <create|update|list|archive> [options] [settings]

  create  --name N --cohort critical|all-projects|threshold|projects|all-users
          [--ecosystem ${ECOSYSTEM_NAMES.join("|")}] [--strength any|phishing-resistant] [--threshold N] [--window 180d]
          [--staging none|any|phishing-resistant]  (publishes from tokens staged for approval, once enforced)
          [--project NAME]... --notice DATE --warn DATE --enforce DATE --reason R
  update  ID  (same options as create; all of them) --reason R
  list    [--json]
  simulate --cohort C [--ecosystem E] [--strength S] [--threshold N] [--window 180d] [--project NAME]...
          [--staging none|any|phishing-resistant] [--staging-window 90d] [--warn DATE --enforce DATE] [--json]
          The draft's cohort, readiness and the emails each phase would send (the console's preview;
          the warn phase's length sets how many days of past uploads estimate its mail); with --staging,
          the releases of the past window (default 90 days) that would have waited for approval,
          per ecosystem. Changes nothing.
  archive ID --reason R

create, update and archive require --reason (3-500 characters): it goes into the audit log
(/admin/audit) with the operator named cli:<os user>@<host>, in the same transaction as the change.

Dates are ISO 8601 (2027-01-15 or 2027-01-15T12:00:00Z). Phases: notice (one email, a banner),
warn (banner on every page, a warning with every publish), enforce (refused until compliant).

${SETTINGS_HELP}`;

function date(flag: string, v: unknown): number {
  const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} must be a date such as 2027-01-15`);
  return ms;
}

function window(v: unknown, flag = "window"): number {
  if (v === undefined) return 180;
  const m = /^(\d+)d?$/.exec(String(v));
  if (!m) throw new UsageError(`--${flag} must be a number of days such as 180d`);
  return Number(m[1]);
}

function describe(m: Mandate, now: number): string {
  const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const cohort =
    m.cohort === "threshold"
      ? `threshold ≥ ${m.threshold} downloads/${m.windowDays}d`
      : m.cohort === "projects"
        ? `projects ${m.projects.join(", ")}`
        : m.cohort;
  return `${m.id}  ${m.name}  [${phaseOf(m, now)}]  ${m.ecosystem ?? "all ecosystems"}  ${cohort}  ${m.strength}  notice ${d(m.noticeAt)}  warn ${d(m.warnAt)}  enforce ${d(m.enforceAt)}`;
}

/** A live mandate (archived ones are neither changed nor archived twice), as the console's 404. */
async function mandateOrFail(tx: Tx, id: string): Promise<Mandate> {
  const m = await getMandate(tx, id);
  if (!m || m.archivedAt !== null) throw mandateErrors.MANDATE_NOT_FOUND();
  return m;
}

/** `wharf policy mandate ...`: operators define and change rollouts from the shell or scripts. */
export async function mandateCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    name: { type: "string" },
    cohort: { type: "string" },
    ecosystem: { type: "string" },
    strength: { type: "string" },
    staging: { type: "string" },
    "staging-window": { type: "string" },
    threshold: { type: "string" },
    window: { type: "string" },
    project: { type: "string", multiple: true },
    notice: { type: "string" },
    warn: { type: "string" },
    enforce: { type: "string" },
    reason: { type: "string" },
    json: { type: "boolean" },
  });
  const help = asksHelp(values, sub);
  if (help || !sub || !["create", "update", "list", "archive", "simulate"].includes(sub)) {
    console.log(MANDATE_HELP);
    return help ? 0 : 2;
  }
  // Refused before the database is opened: nothing changes without a reason for the audit log.
  const reason =
    sub === "list" || sub === "simulate"
      ? ""
      : cliReason(values.reason, `wharf policy mandate ${sub} ... --reason R`);
  const actor = cliActor();
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  const input = () => ({
    name: values.name,
    cohort: values.cohort,
    ecosystem: (values.ecosystem as string | undefined) ?? null,
    strength: values.strength ?? "any",
    staging: values.staging ?? "none",
    threshold: values.threshold === undefined ? null : Number(values.threshold),
    projects: (values.project as string[] | undefined) ?? [],
    windowDays: window(values.window),
    noticeAt: date("notice", values.notice),
    warnAt: date("warn", values.warn),
    enforceAt: date("enforce", values.enforce),
  });
  return withAccountDeps({ ...config, secretKey }, async (deps) => {
    const now = Date.now();
    try {
      if (sub === "simulate") {
        const warnAt = values.warn === undefined ? now : date("warn", values.warn);
        const enforceAt = values.enforce === undefined ? warnAt + 30 * DAY : date("enforce", values.enforce);
        const draft: MandateShape = {
          cohort: (values.cohort as Cohort | undefined) ?? "critical",
          ecosystem: ((values.ecosystem as string | undefined) ?? null) as MandateShape["ecosystem"],
          strength: ((values.strength as string | undefined) ?? "any") as MandateShape["strength"],
          staging: ((values.staging as string | undefined) ?? "none") as MandateShape["staging"],
          threshold: values.threshold === undefined ? null : Number(values.threshold),
          projects: (values.project as string[] | undefined) ?? [],
          windowDays: window(values.window),
          noticeAt: now,
          warnAt,
          enforceAt,
        };
        const parsed = simulationInput.safeParse({
          ...draftInput(draft),
          ...(values["staging-window"] === undefined
            ? {}
            : { stagingWindowDays: window(values["staging-window"], "staging-window") }),
        });
        if (!parsed.success)
          throw new UsageError(
            parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
          );
        const sim = await simulate({ db: deps.db, clock: deps.clock }, parsed.data);
        console.log(values.json ? JSON.stringify(sim, null, 2) : describeSimulation(sim));
      } else if (sub === "list") {
        const all = await activeMandates(deps.db);
        if (values.json)
          console.log(
            JSON.stringify(
              all.map((m) => ({ ...m, phase: phaseOf(m, now) })),
              null,
              2,
            ),
          );
        else console.log(all.length ? all.map((m) => describe(m, now)).join("\n") : "(no mandates)");
      } else if (sub === "create") {
        const draft = input();
        const m = await transaction(deps.db, async (tx) => {
          const m = await createMandate(tx, now, actor.name, draft);
          await recordAudit(tx, now, actor, {
            action: "mandate.create",
            targetType: "mandate",
            target: m.name,
            reason,
            data: { id: m.id, via: "cli", ...auditedSettings(m) },
          });
          return m;
        });
        console.log(describe(m, now));
      } else if (sub === "update") {
        const id = positionals[0];
        if (!id) throw new UsageError("Give the mandate id: wharf policy mandate update ID ...");
        const draft = input();
        const m = await transaction(deps.db, async (tx) => {
          const before = await mandateOrFail(tx, id);
          const m = await updateMandate(tx, id, draft);
          await recordAudit(tx, now, actor, {
            action: "mandate.update",
            targetType: "mandate",
            target: m.name,
            reason,
            data: { id: m.id, via: "cli", before: auditedSettings(before), after: auditedSettings(m) },
          });
          return m;
        });
        console.log(describe(m, now));
      } else {
        const id = positionals[0];
        if (!id) throw new UsageError("Give the mandate id: wharf policy mandate archive ID --reason R");
        await transaction(deps.db, async (tx) => {
          const m = await mandateOrFail(tx, id);
          await archiveMandate(tx, now, id);
          await recordAudit(tx, now, actor, {
            action: "mandate.archive",
            targetType: "mandate",
            target: m.name,
            reason,
            data: { id, via: "cli", phase: phaseOf(m, now) },
          });
        });
        console.log(`Archived ${id}`);
      }
      return 0;
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
  });
}
