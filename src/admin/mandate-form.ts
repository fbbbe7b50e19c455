import { createHash } from "node:crypto";
import type { Deps } from "../deps.js";
import { ECOSYSTEM_NAMES, isEcosystemName } from "../ecosystems/index.js";
import {
  type Cohort,
  draftInput,
  type Mandate,
  type Phase,
  phaseOf,
  type SimulationResult,
  simulate,
} from "../mandates/index.js";
import type { Strength } from "../mfa/index.js";
import { type CohortFigures, cohortFigures } from "./adoption.js";

/**
 * The console's mandate form: its fields read into a draft with an error beside each field (the
 * policy's own schema validates again when saving), and the preview shown before saving.
 */
export const MANDATE_FIELDS = [
  "name",
  "ecosystem",
  "cohort",
  "threshold",
  "window",
  "projects",
  "strength",
  "notice",
  "warn",
  "enforce",
  "reason",
  "intent",
  "previewed",
] as const;
export type MandateFormValues = Record<(typeof MANDATE_FIELDS)[number], string>;

export const COHORTS: Array<[Cohort, string]> = [
  ["critical", "Maintainers of critical projects"],
  ["threshold", "Maintainers of projects above a download threshold"],
  ["projects", "Maintainers of the listed projects"],
  ["all-projects", "Every maintainer"],
  ["all-users", "Every user (anyone who may create a project)"],
];

/** What the form describes: a mandate before it has an id (the same fields the policy stores). */
export type MandateDraft = Omit<Mandate, "id" | "createdAt" | "createdBy" | "archivedAt">;

/** 2027-01-15 (midnight UTC, what the date picker sends) or a full ISO 8601 time with its zone. */
function parseDate(raw: string): number | null {
  const v = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return Date.parse(v);
  return null;
}

/** How a date goes back into the form: the picker's day when at midnight UTC, else the full time. */
export function formatDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
}

export function readDraft(v: MandateFormValues): { draft?: MandateDraft; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = v.name.trim();
  if (!name || name.length > 100) errors.name = "Give the mandate a name of up to 100 characters.";
  if (v.ecosystem !== "" && !isEcosystemName(v.ecosystem))
    errors.ecosystem = `Choose one of ${ECOSYSTEM_NAMES.join(", ")}, or every ecosystem.`;
  const cohort = COHORTS.find(([c]) => c === v.cohort)?.[0];
  if (!cohort) errors.cohort = "Choose a cohort.";
  if (v.strength !== "any" && v.strength !== "phishing-resistant") errors.strength = "Choose a strength.";
  let threshold: number | null = null;
  if (cohort === "threshold") {
    threshold = /^\d{1,12}$/.test(v.threshold.trim()) ? Number(v.threshold) : 0;
    if (threshold <= 0) errors.threshold = "A threshold cohort needs a whole number of downloads above 0.";
  }
  const windowDays = v.window.trim() === "" ? 180 : /^\d{1,4}$/.test(v.window.trim()) ? Number(v.window) : 0;
  if (windowDays < 1 || windowDays > 3650) errors.window = "The window is 1 to 3650 days.";
  const projects = [...new Set(v.projects.split(/[\s,]+/).filter(Boolean))];
  if (cohort === "projects" && projects.length === 0)
    errors.projects = "A projects cohort needs at least one project name.";
  if (projects.length > 1000 || projects.some((p) => p.length > 214))
    errors.projects = "At most 1000 names of up to 214 characters each.";
  const dates = { notice: parseDate(v.notice), warn: parseDate(v.warn), enforce: parseDate(v.enforce) };
  for (const [k, ms] of Object.entries(dates))
    if (ms === null || Number.isNaN(ms)) errors[k] = "Give a date such as 2027-01-15.";
  if (!errors.notice && !errors.warn && dates.warn! < dates.notice!)
    errors.warn = "The warn phase starts on or after the notice date.";
  if (!errors.warn && !errors.enforce && dates.enforce! < dates.warn!)
    errors.enforce = "Enforcement starts on or after the warn date.";
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    draft: {
      name,
      ecosystem: isEcosystemName(v.ecosystem) ? v.ecosystem : null,
      cohort: cohort!,
      threshold,
      projects: cohort === "projects" ? projects : [],
      windowDays,
      strength: v.strength as Strength,
      noticeAt: dates.notice!,
      warnAt: dates.warn!,
      enforceAt: dates.enforce!,
    },
  };
}

/** The form's values for a saved mandate (the edit page). */
export function valuesOf(m: Mandate): MandateFormValues {
  return {
    name: m.name,
    ecosystem: m.ecosystem ?? "",
    cohort: m.cohort,
    threshold: m.threshold === null ? "" : String(m.threshold),
    window: String(m.windowDays),
    projects: m.projects.join("\n"),
    strength: m.strength,
    notice: formatDate(m.noticeAt),
    warn: formatDate(m.warnAt),
    enforce: formatDate(m.enforceAt),
    reason: "",
    intent: "",
    previewed: "",
  };
}

/** Names what was previewed: Save is taken only for the values whose simulation the admin saw. */
export const draftDigest = (d: MandateDraft): string =>
  createHash("sha256").update(JSON.stringify(d)).digest("hex").slice(0, 32);

export interface MandatePreview {
  now: number;
  /** The phase the mandate is in as soon as it is saved. */
  phaseNow: Phase;
  strength: Strength;
  figures: CohortFigures;
  compliant: number;
  nonCompliant: number;
  phases: Array<{ phase: Exclude<Phase, "scheduled">; at: number; started: boolean }>;
  /**
   * The rollout simulation (the CLI's `policy mandate simulate`): each phase's mail by the sender's own
   * rules and, for the critical cohort, each ecosystem's rule at the next ranking.
   */
  simulation: SimulationResult;
}

export async function previewDraft(deps: Deps, d: MandateDraft): Promise<MandatePreview> {
  const now = deps.clock.now();
  const figures = await cohortFigures(deps, d, d.strength);
  const compliant = d.strength === "any" ? figures.anyMfa : figures.phishingResistant;
  const simulation = await simulate(deps, draftInput(d));
  return {
    now,
    phaseNow: phaseOf(d, now),
    strength: d.strength,
    figures,
    compliant,
    nonCompliant: figures.total - compliant,
    phases: (
      [
        ["notice", d.noticeAt],
        ["warn", d.warnAt],
        ["enforce", d.enforceAt],
      ] as const
    ).map(([phase, at]) => ({ phase, at, started: at <= now })),
    simulation,
  };
}
