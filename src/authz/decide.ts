import type { DbExecutor } from "../db/index.js";
import {
  activeMandates,
  type Mandate,
  type PolicyProject,
  phaseOf,
  policyProject,
  projectInCohort,
} from "../mandates/index.js";
import { type ActorStrength, actorStrength, describeStrength, meets } from "../mfa/index.js";
import { getRole, type Project, type Role } from "../packages/index.js";
import { type TokenActor, tokenCovers } from "../tokens/index.js";

/**
 * The one question every surface asks before acting: may this actor do this action on this project
 * now, and if not, what must they do? Web pages, twine's upload and npm all call `decide`, then render
 * the answer in their own dialect (page + link, reason phrase, `{error}` / `npm-notice`).
 */
export type Action =
  | "upload"
  | "create-project"
  | "manage-people"
  | "manage-releases"
  | "manage-settings"
  | "create-token";

export interface Actor {
  userId: string;
  emailVerified: boolean;
  /** Present when the request authenticated with an API token rather than a browser session. */
  token?: TokenActor;
}

export type Decision =
  | { allow: true; role: Role | null; warning?: string; warnMandates?: string[] }
  | { allow: false; status: number; code: string; reason: string; remedyUrl?: string };

const OWNER_ONLY: Action[] = ["manage-people", "manage-releases", "manage-settings"];
// Mandates gate these: publishing, adding people, and credentials for the project (issue: enforcement).
const MANDATED: Action[] = ["upload", "create-project", "manage-people", "create-token"];

export async function decide(
  db: DbExecutor,
  origin: string,
  actor: Actor,
  action: Action,
  project: Project | null,
  now: number,
  opts: { ecosystem?: string } = {},
): Promise<Decision> {
  if ((action === "upload" || action === "create-project") && !actor.emailVerified) {
    return deny(
      403,
      "EMAIL_UNVERIFIED",
      `Verify your account's email address before publishing: ${origin}/account/`,
      `${origin}/account/`,
    );
  }
  let role: Role | null = null;
  if (!project) {
    if (action !== "create-project") return deny(404, "PROJECT_NOT_FOUND", "No such project.");
    if (actor.token && actor.token.scope.kind !== "account") {
      return deny(
        403,
        "TOKEN_SCOPE",
        `A project-scoped token cannot create a new project. Use an account-wide token from ${origin}/account/tokens`,
        `${origin}/account/tokens`,
      );
    }
  } else {
    if (actor.token && !tokenCovers(actor.token, project.id)) {
      return deny(
        403,
        "TOKEN_SCOPE",
        `This API token is not scoped to project '${project.name}'. Create a token for it at ${origin}/account/tokens`,
        `${origin}/account/tokens`,
      );
    }
    role = await getRole(db, project.id, actor.userId);
    if (!role)
      return deny(403, "NOT_A_MAINTAINER", `You are not an owner or maintainer of '${project.name}'.`);
    if (OWNER_ONLY.includes(action) && role !== "owner")
      return deny(403, "NOT_AN_OWNER", `Only owners of '${project.name}' can do that.`);
  }
  if (!MANDATED.includes(action)) return { allow: true, role };
  const target = project ? await policyProject(db, project.id) : null;
  const verdict = await mfaVerdict(
    db,
    origin,
    actor.userId,
    target,
    project?.name ?? null,
    opts.ecosystem ?? project?.ecosystem ?? null,
    now,
  );
  if (verdict.deny) return verdict.deny;
  return {
    allow: true,
    role,
    ...(verdict.warning ? { warning: verdict.warning, warnMandates: verdict.warnMandates } : {}),
  };
}

export interface MfaVerdict {
  deny?: Extract<Decision, { allow: false }>;
  warning?: string;
  warnMandates?: string[];
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
    return {
      deny: deny(
        403,
        "RECOVERY_ENROLL_FIRST",
        `Your account was recovered: set up two-factor authentication at ${remedy} before publishing.`,
        remedy,
      ),
    };
  }
  const s = strength ?? (await actorStrength(db, userId));
  const what = projectName ? `to '${projectName}'` : "new projects";
  if (project && project.requireMfa !== "none" && !meets(s, project.requireMfa)) {
    return {
      deny: deny(
        403,
        "PROJECT_REQUIRES_MFA",
        `The owners of '${projectName}' require ${describeStrength(project.requireMfa)} of everyone who publishes it. Set it up at ${remedy}`,
        remedy,
      ),
    };
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
      return {
        deny: deny(
          403,
          "MFA_REQUIRED",
          `${capital(needed)} is required to publish ${what} (${m.name}). Set it up at ${remedy}`,
          remedy,
        ),
      };
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
  return (
    (m.cohort === "all-users" || m.cohort === "all-projects") && (!m.ecosystem || m.ecosystem === ecosystem)
  );
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function deny(
  status: number,
  code: string,
  reason: string,
  remedyUrl?: string,
): Extract<Decision, { allow: false }> {
  return { allow: false, status, code, reason, ...(remedyUrl ? { remedyUrl } : {}) };
}
