import type { DbExecutor } from "../db/index.js";
import type { AppError } from "../lib/errors.js";
import {
  activeMandates,
  type Mandate,
  type PolicyProject,
  phaseOf,
  projectInCohort,
} from "../mandates/index.js";
import { type ActorStrength, actorStrength, describeStrength, meets } from "../mfa/index.js";
import { authzErrors } from "./errors.js";

export interface MfaVerdict {
  deny?: Denial;
  warning?: string;
  warnMandates?: string[];
}

export interface Denial {
  allow: false;
  status: number;
  code: string;
  reason: string;
  remedyUrl?: string;
  /** The same refusal as a throwable error (authorize throws it). */
  error: AppError;
}

export function denial(e: AppError, remedyUrl?: string): Denial {
  return {
    allow: false,
    status: e.status,
    code: e.code,
    reason: e.message,
    ...(remedyUrl ? { remedyUrl } : {}),
    error: e,
  };
}

/**
 * The MFA part of the decision: the project's own requirement, then every active mandate covering
 * the project (or the user, for the all-users cohort). The strictest wins: enforce > warn > notice.
 */
export async function mfaVerdict(
  db: DbExecutor,
  origin: string,
  userId: string,
  project: PolicyProject | null,
  projectName: string | null,
  ecosystem: string | null,
  now: number,
  strength?: ActorStrength,
): Promise<MfaVerdict> {
  const remedy = `${origin}/account/two-factor`;
  // A completed account recovery left the account without factors; nothing is published from it until
  // a new one is enrolled (it would otherwise be the easiest account on the registry to take over).
  const recovered = await db
    .selectFrom("users")
    .select("mfa_required_at")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (recovered?.mfa_required_at != null) {
    const msg = `Your account was recovered: set up two-factor authentication at ${remedy} before publishing.`;
    return { deny: denial(authzErrors.RECOVERY_ENROLL_FIRST(msg), remedy) };
  }
  const s = strength ?? (await actorStrength(db, userId));
  const what = projectName ? `to '${projectName}'` : "new projects";
  if (project && project.requireMfa !== "none" && !meets(s, project.requireMfa)) {
    const msg = `The owners of '${projectName}' require ${describeStrength(project.requireMfa)} of everyone who publishes it. Set it up at ${remedy}`;
    return { deny: denial(authzErrors.PROJECT_REQUIRES_MFA(msg), remedy) };
  }
  let warning: string | undefined;
  const warnMandates: string[] = [];
  for (const m of await activeMandates(db)) {
    if (meets(s, m.strength)) continue;
    const phase = phaseOf(m, now);
    if (phase === "scheduled" || phase === "notice") continue;
    if (!(await covers(db, m, project, ecosystem, now))) continue;
    const needed = describeStrength(m.strength);
    if (phase === "enforce") {
      const msg = `${capital(needed)} is required to publish ${what} (${m.name}). Set it up at ${remedy}`;
      return { deny: denial(authzErrors.MFA_REQUIRED(msg), remedy) };
    }
    warnMandates.push(m.id);
    warning ??= `${capital(needed)} will be required to publish ${what} from ${day(m.enforceAt)} (${m.name}). Set it up at ${remedy}`;
  }
  return warning ? { warning, warnMandates } : {};
}

async function covers(
  db: DbExecutor,
  m: Mandate,
  project: PolicyProject | null,
  ecosystem: string | null,
  now: number,
): Promise<boolean> {
  if (project) return projectInCohort(db, m, project, now);
  // A project about to be created is covered by the cohorts that cover every project of its ecosystem.
  // With no ecosystem (an account-wide token may create projects in any), every such cohort counts.
  return (
    (m.cohort === "all-users" || m.cohort === "all-projects") &&
    (!m.ecosystem || ecosystem === null || m.ecosystem === ecosystem)
  );
}

/**
 * Issue 16 item 6: must this publish be staged for a maintainer's approval? Only publishes made without
 * an interactive second factor (an API token or a trusted publisher's minted token) are; the project's
 * owners' rule and every enforced mandate covering the project count, and the strictest wins
 * (phishing-resistant: only a security key or passkey approves). Null: publish directly.
 */
export async function stagingVerdict(
  db: DbExecutor,
  nonInteractive: boolean,
  project: PolicyProject,
  projectName: string,
  now: number,
): Promise<StageRequirement | null> {
  if (!nonInteractive) return null;
  let out: StageRequirement | null =
    project.requireStaging === "none"
      ? null
      : {
          phishingResistant: project.requireStaging === "phishing-resistant",
          reason: `The owners of '${projectName}' require publishes from tokens to be approved by a maintainer`,
        };
  for (const m of await activeMandates(db)) {
    if (m.staging === "none" || out?.phishingResistant) continue;
    if (phaseOf(m, now) !== "enforce") continue;
    if (!(await projectInCohort(db, m, project, now))) continue;
    if (out && m.staging !== "phishing-resistant") continue;
    out = {
      phishingResistant: m.staging === "phishing-resistant",
      reason: `Publishes from tokens to '${projectName}' must be approved by a maintainer (${m.name})`,
    };
  }
  return out;
}

/**
 * The same question for a project about to be created by this publish (issue 16, "a first version
 * cannot be staged"): the project has no owners' rule yet, so only the enforced mandates whose cohort
 * covers every project of the ecosystem count. The surfaces turn a yes into what their client can do:
 * npm asks for a second factor (the CLI gives one; `npm stage` takes only existing packages, as on
 * npmjs), PyPI refuses and points at a pending trusted publisher, whose project exists before its first
 * upload, so that upload is staged like any other.
 */
export async function stagingVerdictForNew(
  db: DbExecutor,
  nonInteractive: boolean,
  ecosystem: string | null,
  now: number,
): Promise<StageRequirement | null> {
  if (!nonInteractive) return null;
  let out: StageRequirement | null = null;
  for (const m of await activeMandates(db)) {
    if (m.staging === "none" || out?.phishingResistant) continue;
    if (phaseOf(m, now) !== "enforce") continue;
    if (!(await covers(db, m, null, ecosystem, now))) continue;
    out = {
      phishingResistant: m.staging === "phishing-resistant",
      reason: `Publishes from tokens must be approved by a maintainer (${m.name})`,
    };
  }
  return out;
}

export interface StageRequirement {
  /** Only a WebAuthn approval (security key or passkey) counts. */
  phishingResistant: boolean;
  /** Why, for the publisher: the owners' rule or the mandate's name. */
  reason: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
