import type { DbExecutor } from "../db/index.js";
import { projectDownloads } from "../stats/index.js";
import type { MandateShape } from "./store.js";

export interface PolicyProject {
  id: string;
  ecosystem: string;
  normalizedName: string;
  criticalSince: number | null;
  requireMfa: "none" | "any" | "phishing-resistant";
  /** 035: the owners' rule that token publishes are staged for approval (staging/). */
  requireStaging: "none" | "any" | "phishing-resistant";
}

export async function policyProject(db: DbExecutor, projectId: string): Promise<PolicyProject | null> {
  const r = await db
    .selectFrom("projects")
    .select(["id", "ecosystem", "normalized_name", "critical_since", "mfa_requirement", "stage_requirement"])
    .where("id", "=", projectId)
    .executeTakeFirst();
  return r
    ? {
        id: r.id,
        ecosystem: r.ecosystem,
        normalizedName: r.normalized_name,
        criticalSince: r.critical_since,
        requireMfa: levelOf(r.mfa_requirement),
        requireStaging: levelOf(r.stage_requirement),
      }
    : null;
}

/** The owners' one requirement (014 folded npm's `access set mfa=` into it). */
function levelOf(v: string): PolicyProject["requireMfa"] {
  return v === "any" || v === "phishing-resistant" ? v : "none";
}

/** Downloads of a project over the last `days`: Wharf's own counts and imported statistics. */
export function downloadsOver(
  db: DbExecutor,
  project: PolicyProject,
  days: number,
  now: number,
): Promise<number> {
  return projectDownloads(
    db,
    { id: project.id, ecosystem: project.ecosystem, normalizedName: project.normalizedName },
    days,
    now,
  );
}

/** Whether a mandate covers a project. The all-users cohort covers every project of every user. */
export async function projectInCohort(
  db: DbExecutor,
  m: MandateShape,
  p: PolicyProject,
  now: number,
  /** A simulated critical set (project ids) in place of today's designations. */
  critical?: ReadonlySet<string>,
): Promise<boolean> {
  if (m.ecosystem && m.ecosystem !== p.ecosystem) return false;
  switch (m.cohort) {
    case "all-users":
    case "all-projects":
      return true;
    case "critical":
      return critical ? critical.has(p.id) : p.criticalSince !== null;
    case "projects":
      return m.projects.includes(p.normalizedName);
    case "threshold":
      return (await downloadsOver(db, p, m.windowDays, now)) >= (m.threshold ?? Number.POSITIVE_INFINITY);
  }
}
