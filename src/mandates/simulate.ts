import { z } from "zod";
import {
  type CriticalityPlan,
  type CriticalityRule,
  describeRule,
  getRule,
  planCriticality,
  ruleSchema,
} from "../criticality/index.js";
import type { Deps } from "../deps.js";
import { DAY } from "../lib/clock.js";
import { STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";
import { coveredPeople, type MandateShape, replayWarnMails } from "./mail-plan.js";
import { replayStaging, type StagingReplay } from "./staging-replay.js";
import type { Cohort } from "./store.js";

export const SIMULATION_PHASES = ["notice", "warn", "enforce"] as const;
export type SimulationPhase = (typeof SIMULATION_PHASES)[number];
const COHORTS = ["critical", "all-projects", "threshold", "projects", "all-users"] as const;
const ecosystem = z.enum(STATS_ECOSYSTEMS as [StatsEcosystem, ...StatsEcosystem[]]);

/**
 * The boundary's schema (CLI, console, JSON API): a cohort over any set of ecosystems; for the critical
 * cohort, a criticality rule (one of top (percent), topK or threshold, a window, sticky or not) or, when
 * none is given, each ecosystem's current rule.
 */
export const simulationInput = z
  .object({
    cohort: z.enum(COHORTS).default("critical"),
    /** One ecosystem (shorthand) or several; neither: every ecosystem. */
    ecosystem: ecosystem.optional(),
    ecosystems: z.array(ecosystem).min(1).optional(),
    top: z.number().positive().max(100).optional(),
    topK: z.number().int().positive().optional(),
    threshold: z.number().int().positive().optional(),
    windowDays: z.number().int().min(1).max(3650).optional(),
    /** Keep today's designations the rule would not select (default: the ecosystem's rule). */
    sticky: z.boolean().optional(),
    /** The dependents clause: one of these, or `dependents: "off"`; none given: the rule's own. */
    dependentsTop: z.number().positive().max(100).optional(),
    dependentsTopK: z.number().int().positive().optional(),
    dependentsThreshold: z.number().int().positive().optional(),
    dependents: z.literal("off").optional(),
    /** false: by dependents only (the download clause off); default: the rule's own. */
    byDownloads: z.boolean().optional(),
    /** The projects cohort's names; the threshold cohort's download bar and window. */
    projects: z.array(z.string().trim().min(1).max(214)).default([]),
    minDownloads: z.number().int().positive().optional(),
    cohortWindowDays: z.number().int().min(1).max(3650).default(180),
    strength: z.enum(["any", "phishing-resistant"]).default("any"),
    /** 035: token publishes in the cohort staged for approval; the result counts past releases it would have held. */
    staging: z.enum(["none", "any", "phishing-resistant"]).default("none"),
    stagingWindowDays: z.number().int().min(1).max(3650).default(90),
    phases: z
      .array(z.enum(SIMULATION_PHASES))
      .min(1)
      .default([...SIMULATION_PHASES]),
    /** Length of the warn phase: warn mail is estimated from the uploads of this many past days. */
    warnDays: z.number().int().min(1).max(365).default(30),
  })
  .strict()
  .refine((s) => [s.top, s.topK, s.threshold].filter((v) => v !== undefined).length <= 1, {
    message: "Give one of top, topK or threshold",
  })
  .refine(
    (s) =>
      [s.dependentsTop, s.dependentsTopK, s.dependentsThreshold, s.dependents].filter((v) => v !== undefined)
        .length <= 1,
    { message: "Give one of dependentsTop, dependentsTopK, dependentsThreshold or dependents: off" },
  )
  .refine((s) => s.cohort !== "projects" || s.projects.length > 0, {
    message: "A projects cohort needs at least one project",
  })
  .refine((s) => s.cohort !== "threshold" || s.minDownloads !== undefined, {
    message: "A threshold cohort needs minDownloads",
  });

export type SimulationInput = z.input<typeof simulationInput>;

/** What a criticality rule would make of one ecosystem's designations (critical cohort only). */
export interface RuleSimulation {
  ecosystem: StatsEcosystem;
  rule: string;
  sticky: boolean;
  window: { first: string; last: string };
  population: number;
  cutoff_downloads: number | null;
  /** Names with at least one dependent; the fewest dependents the dependents clause selected. */
  dependents_population: number;
  cutoff_dependents: number | null;
  cohort_size: number;
  cohort_new: number;
  cohort_unhosted: number;
  /** Designations the rule would end (non-sticky): "what if I switch to top 1%" shows who goes. */
  removed: { name: string; downloads: number }[];
  top_projects: {
    name: string;
    downloads: number;
    dependents: number;
    critical_now: boolean;
    maintainers: number;
    reasons: string[];
  }[];
  /** How many of the cohort each clause selected (a project both select counts in `both`). */
  by_clause: { downloads: number; dependents: number; both: number; kept: number; manual: number };
  /**
   * Every project of the cohort with the reason it is in it (the clause and its rank), most downloaded
   * first; at most DESIGNATIONS_SHOWN, `designations_more` says how many were left out.
   */
  designations: { name: string; new: boolean; reasons: string[] }[];
  designations_more: number;
}

export const DESIGNATIONS_SHOWN = 1000;

/** One phase's mail: to verified addresses (sent) and to unverified ones (not sent: banner only). */
export interface PhaseMail {
  reachable: number;
  unreachable: number;
}

export interface SimulationResult {
  cohort: Cohort;
  ecosystems: StatsEcosystem[];
  strength: "any" | "phishing-resistant";
  criticality: RuleSimulation[];
  /** Hosted projects covered. */
  projects: number;
  maintainers: number;
  compliant_any: number;
  compliant_phishing_resistant: number;
  non_compliant: number;
  /** Non-compliant maintainers without a verified email: mandate mail does not go to them. */
  without_verified_email: number;
  /** The mail each phase sends, by the sender's own rules (mandates/mail-plan.ts). */
  mail: {
    notice?: PhaseMail;
    warn?: { estimate: number; uploaders: number; days: number; basis: string };
    enforce?: PhaseMail;
  };
  /** Mails each phase would send (the reachable ones; warn: the estimate). */
  emails: Partial<Record<SimulationPhase, number>>;
  /**
   * With a staging requirement: the releases of the cohort's projects in the past `stagingWindowDays`
   * that a token or trusted publisher published without a second factor, so would have needed approval.
   */
  staging?: StagingReplay;
}

/**
 * "What if": the cohort a mandate would cover, how ready its maintainers are and the mail each phase
 * would send — computed by the sender's own functions (mandateAudience, phaseMail, warnMailDue), over
 * today's accounts. Changes nothing (no designation, no event, no mail); counts only, no names of
 * maintainers (project names of the criticality ranking only).
 */
export async function simulate(
  deps: Pick<Deps, "db" | "clock">,
  raw: SimulationInput,
): Promise<SimulationResult> {
  const input = simulationInput.parse(raw);
  const now = deps.clock.now();
  const ecosystems = input.ecosystems ?? (input.ecosystem ? [input.ecosystem] : [...STATS_ECOSYSTEMS]);
  const criticality: RuleSimulation[] = [];
  let critical: Set<string> | undefined;
  const plans: CriticalityPlan[] = [];
  if (input.cohort === "critical") {
    critical = new Set();
    for (const e of ecosystems) {
      const plan = await planCriticality(deps.db, await ruleFor(deps, e, input), now);
      plans.push(plan);
      for (const p of plan.critical) critical.add(p.id);
    }
  }
  // A mandate names one ecosystem or all of them (null); a set of some is simulated by its own filter.
  const shape: MandateShape = {
    ecosystem: ecosystems.length === 1 ? ecosystems[0]! : null,
    cohort: input.cohort,
    threshold: input.minDownloads ?? null,
    // Stored as the store keeps them (store.ts lower-cases), so a draft covers what the mandate will.
    projects: input.projects.map((p) => p.toLowerCase()),
    windowDays: input.cohortWindowDays,
    strength: input.strength,
    staging: input.staging,
    noticeAt: now,
    warnAt: now,
    enforceAt: now,
  };
  const some = ecosystems.length > 1 && ecosystems.length < STATS_ECOSYSTEMS.length;
  const people = await coveredPeople(deps.db, shape, now, { critical, ...(some ? { ecosystems } : {}) });
  const required = (p: (typeof people)[number]) =>
    input.strength === "any" ? p.strength.any : p.strength.phishingResistant;
  const audience = people.filter((p) => !required(p));
  const reachable = audience.filter((p) => p.verified).length;
  const phaseMail: PhaseMail = { reachable, unreachable: audience.length - reachable };
  const mail: SimulationResult["mail"] = {};
  const emails: SimulationResult["emails"] = {};
  for (const phase of input.phases) {
    if (phase === "warn") {
      const w = await replayWarnMails(deps.db, audience, now - input.warnDays * DAY, now);
      mail.warn = {
        estimate: w.mails,
        uploaders: w.uploaders,
        days: input.warnDays,
        basis: `estimated from PyPI uploads of the last ${input.warnDays} days (the warn phase's length), at most one mail per person per 14 days; npm publishes and gem pushes are warned in the client, not by mail`,
      };
      emails.warn = w.mails;
    } else {
      mail[phase] = phaseMail;
      emails[phase] = reachable;
    }
  }
  const counts = new Map<string, number>();
  for (const p of people) for (const id of p.projectIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const plan of plans) criticality.push(describePlan(plan, counts));
  const projects = new Set(people.flatMap((p) => p.projectIds)).size;
  const staging =
    input.staging === "none"
      ? undefined
      : await replayStaging(
          deps.db,
          shape,
          input.staging,
          ecosystems,
          input.stagingWindowDays,
          now,
          critical,
        );
  return {
    cohort: input.cohort,
    ecosystems,
    strength: input.strength,
    criticality,
    projects,
    maintainers: people.length,
    compliant_any: people.filter((p) => p.strength.any).length,
    compliant_phishing_resistant: people.filter((p) => p.strength.phishingResistant).length,
    non_compliant: audience.length,
    without_verified_email: phaseMail.unreachable,
    mail,
    emails,
    ...(staging ? { staging } : {}),
  };
}

/** The rule to simulate for `e`: the one given (over the current rule's defaults), or the current one. */
async function ruleFor(
  deps: Pick<Deps, "db">,
  e: StatsEcosystem,
  input: z.output<typeof simulationInput>,
): Promise<CriticalityRule> {
  const current = await getRule(deps.db, e);
  const pick =
    input.topK !== undefined
      ? { mode: "top-k", value: input.topK }
      : input.threshold !== undefined
        ? { mode: "threshold", value: input.threshold }
        : input.top !== undefined
          ? { mode: "top-percent", value: input.top }
          : { mode: current.mode, value: current.value };
  const dependents =
    input.dependents === "off"
      ? null
      : input.dependentsTopK !== undefined
        ? { mode: "top-k", value: input.dependentsTopK }
        : input.dependentsThreshold !== undefined
          ? { mode: "threshold", value: input.dependentsThreshold }
          : input.dependentsTop !== undefined
            ? { mode: "top-percent", value: input.dependentsTop }
            : current.dependents;
  return ruleSchema.parse({
    ecosystem: e,
    ...pick,
    windowDays: input.windowDays ?? current.windowDays,
    sticky: input.sticky ?? current.sticky,
    byDownloads: input.byDownloads ?? current.byDownloads,
    dependents,
  });
}

function describePlan(plan: CriticalityPlan, maintainers: Map<string, number>): RuleSimulation {
  return {
    ecosystem: plan.rule.ecosystem,
    rule: describeRule(plan.rule),
    sticky: plan.rule.sticky,
    window: plan.window,
    population: plan.population,
    cutoff_downloads: plan.cutoffDownloads,
    dependents_population: plan.dependentsPopulation,
    cutoff_dependents: plan.cutoffDependents,
    cohort_size: plan.critical.length,
    cohort_new: plan.add.length,
    cohort_unhosted: plan.unhosted,
    removed: plan.remove.map((p) => ({ name: p.name, downloads: p.downloads })),
    top_projects: plan.critical.slice(0, 20).map((p) => ({
      name: p.name,
      downloads: p.downloads,
      dependents: p.dependents,
      critical_now: p.criticalSince !== null,
      maintainers: maintainers.get(p.id) ?? 0,
      reasons: p.reasons.map((r) => r.text),
    })),
    by_clause: byClause(plan),
    designations: plan.critical.slice(0, DESIGNATIONS_SHOWN).map((p) => ({
      name: p.name,
      new: p.criticalSince === null,
      reasons: p.reasons.map((r) => r.text),
    })),
    designations_more: Math.max(0, plan.critical.length - DESIGNATIONS_SHOWN),
  };
}

/** A mandate draft's simulation input: its cohort, ecosystem, strength and warn length. */
export function draftInput(
  d: MandateShape,
  phases: SimulationPhase[] = [...SIMULATION_PHASES],
): z.input<typeof simulationInput> {
  return {
    cohort: d.cohort,
    ...(d.ecosystem ? { ecosystem: d.ecosystem } : {}),
    projects: d.projects,
    ...(d.threshold !== null ? { minDownloads: d.threshold } : {}),
    cohortWindowDays: d.windowDays,
    strength: d.strength,
    staging: d.staging,
    phases,
    warnDays: Math.min(365, Math.max(1, Math.round((d.enforceAt - d.warnAt) / DAY))),
  };
}

function byClause(plan: CriticalityPlan): RuleSimulation["by_clause"] {
  const out = { downloads: 0, dependents: 0, both: 0, kept: 0, manual: 0 };
  for (const p of plan.critical) {
    const has = (c: string) => p.reasons.some((r) => r.clause === c);
    if (has("downloads") && has("dependents")) out.both++;
    else if (has("downloads")) out.downloads++;
    else if (has("dependents")) out.dependents++;
    else if (has("manual")) out.manual++;
    else out.kept++;
  }
  return out;
}
