import type { DbExecutor } from "../db/index.js";
import {
  activeMandates,
  type Phase,
  type PolicyProject,
  phaseOf,
  policyProject,
  projectInCohort,
} from "../mandates/index.js";
import { actorStrength, type Strength } from "../mfa/index.js";
import { listMembers, type Project } from "../packages/index.js";

export interface SecurityPosture {
  ecosystem: string;
  name: string;
  critical: boolean;
  critical_since: string | null;
  /** The owners' own requirement of everyone who publishes. */
  requirement: "none" | "any" | "phishing-resistant";
  mandates: Array<{
    name: string;
    phase: Exclude<Phase, "scheduled">;
    strength: Strength;
    enforce_at: string;
  }>;
  maintainers: number;
  maintainers_with_mfa: number;
  maintainers_with_phishing_resistant_mfa: number;
  /** True when every maintainer has MFA of the strength the strictest applicable rule asks for. */
  fully_protected: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What anyone may know about a project's account security: counts, never names (which maintainer
 * lacks MFA would be a target list). Maintainers asked for this; no public registry offers it.
 */
export async function securityPosture(
  db: DbExecutor,
  project: Project,
  now: number,
): Promise<SecurityPosture> {
  const p = (await policyProject(db, project.id)) as PolicyProject;
  const members = await listMembers(db, project.id);
  let any = 0;
  let pr = 0;
  for (const m of members) {
    const s = await actorStrength(db, m.userId);
    if (s.any) any++;
    if (s.phishingResistant) pr++;
  }
  const mandates: SecurityPosture["mandates"] = [];
  for (const m of await activeMandates(db)) {
    const phase = phaseOf(m, now);
    if (phase === "scheduled" || !(await projectInCohort(db, m, p, now))) continue;
    mandates.push({ name: m.name, phase, strength: m.strength, enforce_at: iso(m.enforceAt) });
  }
  const wantsKeys =
    p.requireMfa === "phishing-resistant" || mandates.some((m) => m.strength === "phishing-resistant");
  return {
    ecosystem: project.ecosystem,
    name: project.name,
    critical: p.criticalSince !== null,
    critical_since: p.criticalSince !== null ? iso(p.criticalSince) : null,
    requirement: p.requireMfa,
    mandates,
    maintainers: members.length,
    maintainers_with_mfa: any,
    maintainers_with_phishing_resistant_mfa: pr,
    fully_protected: members.length > 0 && (wantsKeys ? pr : any) === members.length,
  };
}
