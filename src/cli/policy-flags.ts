import {
  type CriticalityRule,
  type DependentsClause,
  parseCount,
  parsePercent,
  parseWindow,
} from "../criticality/index.js";
import { ECOSYSTEM_CHOICES } from "../ecosystems/index.js";
import { STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";
import { UsageError } from "./args.js";

/*
 * The flags of `wharf policy`, read into what the domain takes: every malformed value is a UsageError
 * naming the flag, raised before the database is opened.
 */
export type Values = Record<string, string | boolean | string[] | undefined>;
export const str = (v: Values, k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);

export function ecosystemOf(v: Values, required: boolean): StatsEcosystem | undefined {
  const e = str(v, "ecosystem");
  if (e === undefined && !required) return undefined;
  if (!STATS_ECOSYSTEMS.includes(e as StatsEcosystem))
    throw new UsageError(`--ecosystem must be ${ECOSYSTEM_CHOICES}`);
  return e as StatsEcosystem;
}

/** Exactly one of --top / --top-k / --threshold (or none when `optional`). */
export function selection(v: Values, optional: boolean): Pick<CriticalityRule, "mode" | "value"> | undefined {
  const given = (["top", "top-k", "threshold"] as const).filter((k) => str(v, k) !== undefined);
  if (given.length > 1) throw new UsageError("Give only one of --top, --top-k and --threshold");
  const [k] = given;
  if (!k) {
    if (optional) return undefined;
    throw new UsageError("Give one of --top 1%, --top-k N or --threshold N");
  }
  const text = str(v, k)!;
  return usage(() =>
    k === "top"
      ? { mode: "top-percent" as const, value: parsePercent(text) }
      : { mode: k === "top-k" ? ("top-k" as const) : ("threshold" as const), value: parseCount(text) },
  );
}

/** The dependents clause flags: a clause, null for `--dependents off`, undefined when none is given. */
export function dependentsSelection(v: Values): DependentsClause | null | undefined {
  const keys = ["dependents-top", "dependents-top-k", "dependents-threshold", "dependents"] as const;
  const given = keys.filter((k) => str(v, k) !== undefined);
  if (given.length > 1)
    throw new UsageError(
      "Give only one of --dependents-top, --dependents-top-k, --dependents-threshold and --dependents off",
    );
  const [k] = given;
  if (!k) return undefined;
  const text = str(v, k)!;
  if (k === "dependents") {
    if (text !== "off")
      throw new UsageError("--dependents takes only off (or use --dependents-top-k N, ...)");
    return null;
  }
  return usage(() =>
    k === "dependents-top"
      ? { mode: "top-percent" as const, value: parsePercent(text) }
      : {
          mode: k === "dependents-top-k" ? ("top-k" as const) : ("threshold" as const),
          value: parseCount(text),
        },
  );
}

export function onOff(v: Values, k: string): boolean | undefined {
  const text = str(v, k);
  if (text === undefined) return undefined;
  if (text !== "on" && text !== "off") throw new UsageError(`--${k} must be on or off`);
  return text === "on";
}

export function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The simulate flags, as the simulation's input (validated there, like the JSON API's). */
export function simulationFlags(v: Values) {
  const sel = selection(v, true);
  const dep = dependentsSelection(v);
  const byDownloads = onOff(v, "downloads");
  const list = str(v, "ecosystem");
  const ecosystems = list?.split(",").map((e) => e.trim());
  if (ecosystems?.some((e) => !STATS_ECOSYSTEMS.includes(e as StatsEcosystem)))
    throw new UsageError(`--ecosystem must be ${ECOSYSTEM_CHOICES}, or several separated by commas`);
  const sticky = str(v, "sticky");
  if (sticky !== undefined && sticky !== "true" && sticky !== "false")
    throw new UsageError("--sticky must be true or false");
  const strength = str(v, "strength") ?? "any";
  if (strength !== "any" && strength !== "phishing-resistant")
    throw new UsageError("--strength must be any or phishing-resistant");
  const staging = str(v, "staging") ?? "none";
  if (staging !== "none" && staging !== "any" && staging !== "phishing-resistant")
    throw new UsageError("--staging must be none, any or phishing-resistant");
  const cohort = str(v, "cohort") ?? "critical";
  const cohorts = ["critical", "all-projects", "threshold", "projects", "all-users"] as const;
  if (!cohorts.includes(cohort as (typeof cohorts)[number]))
    throw new UsageError(`--cohort must be one of ${cohorts.join(", ")}`);
  const projects = (v.project as string[] | undefined) ?? [];
  if (cohort === "projects" && projects.length === 0)
    throw new UsageError("--cohort projects needs --project NAME");
  if (cohort === "threshold" && str(v, "min-downloads") === undefined)
    throw new UsageError("--cohort threshold needs --min-downloads N");
  return usage(() => ({
    cohort: cohort as (typeof cohorts)[number],
    ...(ecosystems ? { ecosystems: ecosystems as StatsEcosystem[] } : {}),
    ...(sel?.mode === "top-k"
      ? { topK: sel.value }
      : sel?.mode === "threshold"
        ? { threshold: sel.value }
        : sel
          ? { top: sel.value }
          : {}),
    ...(str(v, "window") ? { windowDays: parseWindow(str(v, "window")!) } : {}),
    ...(sticky !== undefined ? { sticky: sticky === "true" } : {}),
    ...(dep === null
      ? { dependents: "off" as const }
      : dep?.mode === "top-k"
        ? { dependentsTopK: dep.value }
        : dep?.mode === "threshold"
          ? { dependentsThreshold: dep.value }
          : dep
            ? { dependentsTop: dep.value }
            : {}),
    ...(byDownloads !== undefined ? { byDownloads } : {}),
    projects,
    ...(str(v, "min-downloads") ? { minDownloads: parseCount(str(v, "min-downloads")!) } : {}),
    ...(str(v, "cohort-window") ? { cohortWindowDays: parseWindow(str(v, "cohort-window")!) } : {}),
    ...(str(v, "warn-days") ? { warnDays: parseCount(str(v, "warn-days")!) } : {}),
    strength: strength as "any" | "phishing-resistant",
    staging: staging as "none" | "any" | "phishing-resistant",
    ...(str(v, "staging-window") ? { stagingWindowDays: parseWindow(str(v, "staging-window")!) } : {}),
  }));
}
