import { z } from "zod";
import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { DEFAULT_WINDOW_DAYS, STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";
import { maintainersOf } from "./compute.js";
import { planCriticality } from "./plan.js";
import { type CriticalityRule, describeRule, getRule, ruleSchema } from "./rules.js";

export const SIMULATION_PHASES = ["notice", "warn", "enforce"] as const;
export type SimulationPhase = (typeof SIMULATION_PHASES)[number];

/** The boundary's schema (CLI and JSON API): one of top (percent), topK or threshold; default top 1%. */
export const simulationInput = z
  .object({
    ecosystem: z.enum(STATS_ECOSYSTEMS as [StatsEcosystem, ...StatsEcosystem[]]),
    top: z.number().positive().max(100).optional(),
    topK: z.number().int().positive().optional(),
    threshold: z.number().int().positive().optional(),
    windowDays: z.number().int().min(1).max(3650).default(DEFAULT_WINDOW_DAYS),
    strength: z.enum(["any", "phishing-resistant"]).default("any"),
    /** Keep today's designations that the rule would not select (default: the ecosystem's rule). */
    sticky: z.boolean().optional(),
    phases: z
      .array(z.enum(SIMULATION_PHASES))
      .min(1)
      .default([...SIMULATION_PHASES]),
  })
  .strict()
  .refine((s) => [s.top, s.topK, s.threshold].filter((v) => v !== undefined).length <= 1, {
    message: "Give one of top, topK or threshold",
  });

export type SimulationInput = z.input<typeof simulationInput>;

export interface SimulationResult {
  ecosystem: StatsEcosystem;
  rule: string;
  sticky: boolean;
  window: { first: string; last: string };
  strength: "any" | "phishing-resistant";
  /** Projects with downloads in the window (hosted or not): the ranking's population. */
  population: number;
  cutoff_downloads: number | null;
  /** Hosted projects the mandate would cover: today's designations kept plus the rule's new ones. */
  cohort_size: number;
  cohort_new: number;
  /** Projects the rule selects that Wharf does not host (imported statistics only). */
  cohort_unhosted: number;
  maintainers: number;
  compliant_any: number;
  compliant_phishing_resistant: number;
  /** Maintainers without the required strength: the ones each phase writes to. */
  non_compliant: number;
  without_verified_email: number;
  /** Emails each phase would send: notice and warn to every non-compliant maintainer, enforce to those still so. */
  emails: Partial<Record<SimulationPhase, number>>;
  top_projects: { name: string; downloads: number; critical_now: boolean; maintainers: number }[];
}

/**
 * "What if": the cohort a criticality rule would make and how ready its maintainers are, changing
 * nothing (no designation, no event, no mail). Counts only: no names of maintainers leave here.
 */
export async function simulate(
  deps: Pick<Deps, "db" | "clock">,
  raw: SimulationInput,
): Promise<SimulationResult> {
  const input = simulationInput.parse(raw);
  const current = await getRule(deps.db, input.ecosystem);
  const rule: CriticalityRule = ruleSchema.parse({
    ecosystem: input.ecosystem,
    ...(input.topK !== undefined
      ? { mode: "top-k", value: input.topK }
      : input.threshold !== undefined
        ? { mode: "threshold", value: input.threshold }
        : { mode: "top-percent", value: input.top ?? 1 }),
    windowDays: input.windowDays,
    sticky: input.sticky ?? current.sticky,
  });
  const plan = await planCriticality(deps.db, rule, deps.clock.now());
  const people = await maintainersOf(
    deps.db,
    plan.critical.map((p) => p.id),
  );
  const users = await readiness(deps.db, [...new Set([...people.values()].flat())]);
  let compliantAny = 0;
  let compliantPr = 0;
  let unverified = 0;
  for (const u of users.values()) {
    if (u.any) compliantAny++;
    if (u.pr) compliantPr++;
    if (!u.verified) unverified++;
  }
  const nonCompliant = users.size - (input.strength === "any" ? compliantAny : compliantPr);
  const emails: Partial<Record<SimulationPhase, number>> = {};
  for (const phase of input.phases) emails[phase] = nonCompliant;
  return {
    ecosystem: input.ecosystem,
    rule: describeRule(rule),
    sticky: rule.sticky,
    window: plan.window,
    strength: input.strength,
    population: plan.population,
    cutoff_downloads: plan.cutoffDownloads,
    cohort_size: plan.critical.length,
    cohort_new: plan.add.length,
    cohort_unhosted: plan.unhosted,
    maintainers: users.size,
    compliant_any: compliantAny,
    compliant_phishing_resistant: compliantPr,
    non_compliant: nonCompliant,
    without_verified_email: unverified,
    emails,
    top_projects: plan.critical.slice(0, 20).map((p) => ({
      name: p.name,
      downloads: p.downloads,
      critical_now: p.criticalSince !== null,
      maintainers: (people.get(p.id) ?? []).filter((u) => users.has(u)).length,
    })),
  };
}

/** Second-factor state of active (not frozen) users: any factor, a key or passkey, a verified email. */
async function readiness(
  db: DbExecutor,
  ids: string[],
): Promise<Map<string, { any: boolean; pr: boolean; verified: boolean }>> {
  const out = new Map<string, { any: boolean; pr: boolean; verified: boolean }>();
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const rows = await db
      .selectFrom("users")
      .select(["id", "email_verified_at"])
      .where("id", "in", batch)
      .where("is_frozen", "=", 0)
      .execute();
    for (const r of rows) out.set(r.id, { any: false, pr: false, verified: r.email_verified_at !== null });
    const totp = await db
      .selectFrom("totp_credentials")
      .select("user_id")
      .where("user_id", "in", batch)
      .execute();
    for (const t of totp) {
      const u = out.get(t.user_id);
      if (u) u.any = true;
    }
    const keys = await db
      .selectFrom("webauthn_credentials")
      .select("user_id")
      .distinct()
      .where("user_id", "in", batch)
      .execute();
    for (const k of keys) {
      const u = out.get(k.user_id);
      if (u) {
        u.any = true;
        u.pr = true;
      }
    }
  }
  return out;
}
