import { z } from "zod";
import type { DbExecutor } from "../db/index.js";
import { plural } from "../lib/plural.js";
import { DEFAULT_WINDOW_DAYS, STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";

export type RuleMode = "top-percent" | "top-k" | "threshold";

/** "Top 100 by dependents": the top N%, the top K, or at least N direct dependents. */
export interface DependentsClause {
  mode: RuleMode;
  value: number;
}

/**
 * Which projects of an ecosystem are critical: by downloads (the top N% or top K over a window, or a
 * download floor), OR by dependents (npm's first 2FA cohort was its top 100 by dependents), or both:
 * a project either clause selects is critical, and the plan records which clause made it so.
 */
export interface CriticalityRule {
  ecosystem: StatsEcosystem;
  mode: RuleMode;
  /** Percent (top-percent), count (top-k) or downloads (threshold). */
  value: number;
  windowDays: number;
  /** Sticky designations are never removed automatically (PyPI's choice); an admin still can. */
  sticky: boolean;
  /** The download clause (mode, value, windowDays) applies; false: by dependents only. */
  byDownloads: boolean;
  /** The dependents clause, or null for none. */
  dependents: DependentsClause | null;
}

/** PyPI 2022: the top 1% of projects by downloads over the previous six months, kept once designated. */
export const defaultRule = (ecosystem: StatsEcosystem): CriticalityRule => ({
  ecosystem,
  mode: "top-percent",
  value: 1,
  windowDays: DEFAULT_WINDOW_DAYS,
  sticky: true,
  byDownloads: true,
  dependents: null,
});

const clauseChecks = <T extends { mode: RuleMode; value: number }>(c: T) =>
  (c.mode !== "top-percent" || c.value <= 100) && (c.mode === "top-percent" || Number.isInteger(c.value));

export const dependentsClauseSchema = z
  .object({ mode: z.enum(["top-percent", "top-k", "threshold"]), value: z.number().positive().finite() })
  .refine(clauseChecks, {
    message: "Dependents: a percentage is at most 100; top-k and threshold take a whole number",
  });

export const ruleSchema = z
  .object({
    ecosystem: z.enum(STATS_ECOSYSTEMS as [StatsEcosystem, ...StatsEcosystem[]]),
    mode: z.enum(["top-percent", "top-k", "threshold"]),
    value: z.number().positive().finite(),
    windowDays: z.number().int().min(1).max(3650).default(DEFAULT_WINDOW_DAYS),
    sticky: z.boolean().default(true),
    byDownloads: z.boolean().default(true),
    dependents: dependentsClauseSchema.nullable().default(null),
  })
  .refine((r) => r.byDownloads || r.dependents !== null, {
    message: "A rule needs a download clause, a dependents clause, or both",
  })
  .refine((r) => r.mode !== "top-percent" || r.value <= 100, { message: "A percentage is at most 100" })
  .refine((r) => r.mode === "top-percent" || Number.isInteger(r.value), {
    message: "top-k and threshold take a whole number",
  });

export async function getRule(db: DbExecutor, ecosystem: StatsEcosystem): Promise<CriticalityRule> {
  const r = await db
    .selectFrom("criticality_rules")
    .selectAll()
    .where("ecosystem", "=", ecosystem)
    .executeTakeFirst();
  if (!r) return defaultRule(ecosystem);
  return {
    ecosystem,
    mode: r.mode as RuleMode,
    value: Number(r.value),
    windowDays: r.window_days,
    sticky: r.sticky === 1,
    byDownloads: Number(r.downloads) !== 0,
    dependents:
      r.dependents_mode && r.dependents_value !== null
        ? { mode: r.dependents_mode as RuleMode, value: Number(r.dependents_value) }
        : null,
  };
}

export async function setRule(
  db: DbExecutor,
  input: z.input<typeof ruleSchema>,
  now: number,
): Promise<CriticalityRule> {
  const rule = ruleSchema.parse(input);
  const row = {
    mode: rule.mode,
    value: rule.value,
    window_days: rule.windowDays,
    sticky: rule.sticky ? 1 : 0,
    downloads: rule.byDownloads ? 1 : 0,
    dependents_mode: rule.dependents?.mode ?? null,
    dependents_value: rule.dependents?.value ?? null,
    updated_at: now,
  };
  await db
    .insertInto("criticality_rules")
    .values({ ecosystem: rule.ecosystem, ...row })
    .onConflict((oc) => oc.column("ecosystem").doUpdateSet(row))
    .execute();
  return rule;
}

/** The download clause alone: "the top 1% of projects by downloads over the last 180 days". */
export function describeDownloads(r: Pick<CriticalityRule, "mode" | "value" | "windowDays">): string {
  const n = r.value.toLocaleString("en-US");
  const what =
    r.mode === "top-percent"
      ? `the top ${n}% of projects by downloads`
      : r.mode === "top-k"
        ? `the ${n} most downloaded projects`
        : `projects with at least ${n} downloads`;
  return `${what} over the last ${plural(r.windowDays, "day")}`;
}

/** The dependents clause alone: "the 100 projects with the most dependents". */
export function describeDependents(c: DependentsClause): string {
  const n = c.value.toLocaleString("en-US");
  return c.mode === "top-percent"
    ? `the top ${n}% of projects by dependents`
    : c.mode === "top-k"
      ? c.value === 1
        ? "the project with the most dependents"
        : `the ${n} projects with the most dependents`
      : `projects with at least ${plural(c.value, "dependent")}`;
}

/** The whole rule, clauses joined by "or" (either selects a project). */
export function describeRule(
  r: Pick<CriticalityRule, "mode" | "value" | "windowDays"> &
    Partial<Pick<CriticalityRule, "byDownloads" | "dependents">>,
): string {
  const parts = [
    ...(r.byDownloads === false ? [] : [describeDownloads(r)]),
    ...(r.dependents ? [describeDependents(r.dependents)] : []),
  ];
  return parts.join(", or ");
}

/** "180d", "180" → 180; "26w" → 182. Throws with a message for anything else. */
export function parseWindow(text: string): number {
  const m = /^(\d{1,4})\s*([dw]?)$/i.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a window: write days like 180d (or weeks like 26w)`);
  return Number(m[1]) * (m[2]?.toLowerCase() === "w" ? 7 : 1);
}

/** "1%", "1", "0.5%" → a percentage. */
export function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a percentage: write it like 1%`);
  return Number(m[1]);
}

/** "10000", "10_000", "10,000", "165M", "2k" → a whole number. */
export function parseCount(text: string): number {
  const m = /^(\d[\d_,]*)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a whole number`);
  const base = Number(m[1]!.replace(/[_,]/g, ""));
  return base * (m[2] === "" ? 1 : m[2]!.toLowerCase() === "k" ? 1_000 : 1_000_000);
}
