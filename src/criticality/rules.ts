import { z } from "zod";
import type { DbExecutor } from "../db/index.js";
import { plural } from "../lib/plural.js";
import { DEFAULT_WINDOW_DAYS, STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";

export type RuleMode = "top-percent" | "top-k" | "threshold";

/** Which projects of an ecosystem are critical: the top N% or top K by downloads, or a download floor. */
export interface CriticalityRule {
  ecosystem: StatsEcosystem;
  mode: RuleMode;
  /** Percent (top-percent), count (top-k) or downloads (threshold). */
  value: number;
  windowDays: number;
  /** Sticky designations are never removed automatically (PyPI's choice); an admin still can. */
  sticky: boolean;
}

/** PyPI 2022: the top 1% of projects by downloads over the previous six months, kept once designated. */
export const defaultRule = (ecosystem: StatsEcosystem): CriticalityRule => ({
  ecosystem,
  mode: "top-percent",
  value: 1,
  windowDays: DEFAULT_WINDOW_DAYS,
  sticky: true,
});

export const ruleSchema = z
  .object({
    ecosystem: z.enum(STATS_ECOSYSTEMS as [StatsEcosystem, ...StatsEcosystem[]]),
    mode: z.enum(["top-percent", "top-k", "threshold"]),
    value: z.number().positive().finite(),
    windowDays: z.number().int().min(1).max(3650).default(DEFAULT_WINDOW_DAYS),
    sticky: z.boolean().default(true),
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
  };
}

export async function setRule(db: DbExecutor, input: CriticalityRule, now: number): Promise<CriticalityRule> {
  const rule = ruleSchema.parse(input);
  const row = {
    mode: rule.mode,
    value: rule.value,
    window_days: rule.windowDays,
    sticky: rule.sticky ? 1 : 0,
    updated_at: now,
  };
  await db
    .insertInto("criticality_rules")
    .values({ ecosystem: rule.ecosystem, ...row })
    .onConflict((oc) => oc.column("ecosystem").doUpdateSet(row))
    .execute();
  return rule;
}

export function describeRule(r: Pick<CriticalityRule, "mode" | "value" | "windowDays">): string {
  const n = r.value.toLocaleString("en-US");
  const what =
    r.mode === "top-percent"
      ? `the top ${n}% of projects by downloads`
      : r.mode === "top-k"
        ? `the ${n} most downloaded projects`
        : `projects with at least ${n} downloads`;
  return `${what} over the last ${plural(r.windowDays, "day")}`;
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
