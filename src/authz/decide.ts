import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { policyProject } from "../mandates/index.js";
import { getRole, type Project, type Role } from "../packages/index.js";
import { tokenCovers } from "../tokens/index.js";
import { ACTIONS, type Action } from "./actions.js";
import { authzErrors } from "./errors.js";
import { type Actor, type Grant, mintGrant } from "./grant.js";
import { decidePublisher } from "./publisher.js";
import {
  type Denial,
  denial,
  mfaVerdict,
  type StageRequirement,
  stagingVerdict,
  stagingVerdictForNew,
} from "./verdict.js";

/**
 * The one question every surface asks before acting: may this actor do this action on this project
 * now, and if not, what must they do? Surfaces call `authorize` once per request and hand the grant to
 * the domain mutator; `decide` is the same answer without throwing, for pages that only show it.
 */
export type Decision =
  | {
      allow: true;
      role: Role | null;
      warning?: string;
      warnMandates?: string[];
      /** Set when the actor is a trusted publisher (CI, no person and no interactive second factor). */
      actorKind?: "trusted-publisher";
      /**
       * Issue 16 item 6: an upload is allowed, but only as a staged release a maintainer approves; on
       * approve-staged, the staging rule in force (how strong the approver's factor must be).
       */
      stage?: StageRequirement;
    }
  | Denial;

export async function decide(
  db: DbExecutor,
  origin: string,
  actor: Actor,
  action: Action,
  project: Project | null,
  now: number,
  opts: { ecosystem?: string } = {},
): Promise<Decision> {
  // A trusted publisher is a machine with its own rules (authz/publisher.ts), decided apart.
  if (actor.token?.publisher) {
    const d = await decidePublisher(db, origin, actor.token, action, project);
    if (!d.allow || !project) return d;
    // A machine has no second factor to give: where the policy wants non-interactive publishes staged
    // (issue 16 item 6), its releases wait for a maintainer's approval like a token's.
    const target = await policyProject(db, project.id);
    const stage = target ? await stagingVerdict(db, true, target, project.name, now) : null;
    return stage ? { ...d, stage } : d;
  }
  const tokens = `${origin}/account/tokens`;
  if ((action === "upload" || action === "create-project") && !actor.emailVerified) {
    const msg = `Verify your account's email address before publishing: ${origin}/account/`;
    return denial(authzErrors.EMAIL_UNVERIFIED(msg), `${origin}/account/`);
  }
  let role: Role | null = null;
  if (!project) {
    if (action !== "create-project") return denial(authzErrors.PROJECT_NOT_FOUND());
    if (actor.token && actor.token.scope.kind !== "account") {
      const msg = `A project-scoped token cannot create a new project. Use an account-wide token from ${tokens}`;
      return denial(authzErrors.TOKEN_SCOPE(msg), tokens);
    }
  } else {
    // Quarantine freezes a project for everyone (issue 18 item 3): its owners may be the attackers.
    if (project.quarantinedAt) {
      // twine shows only this reason phrase (cut at 400 characters): what to do comes before the
      // operator's reason, which may be long.
      const why = project.quarantineReason ? ` Reason: ${project.quarantineReason}` : "";
      return denial(
        authzErrors.QUARANTINED(
          `Project '${project.name}' is quarantined and cannot be changed until the registry's operators review it; contact them if you think this is a mistake.${why}`,
        ),
      );
    }
    if (actor.token && !tokenCovers(actor.token, project.id)) {
      const msg = `This API token is not scoped to project '${project.name}'. Create a token for it at ${tokens}`;
      return denial(authzErrors.TOKEN_SCOPE(msg), tokens);
    }
    role = await getRole(db, project.id, actor.userId);
    if (!role)
      return denial(authzErrors.NOT_A_MAINTAINER(`You are not an owner or maintainer of '${project.name}'.`));
    if (ACTIONS[action].role === "owner" && role !== "owner")
      return denial(authzErrors.NOT_AN_OWNER(`Only owners of '${project.name}' can do that.`));
  }
  const target = project ? await policyProject(db, project.id) : null;
  if (action === "approve-staged" && target && project) {
    // The staging rule in force now: approval needs the stricter of it and the rule the release was
    // staged under (staging/decide.ts), so tightening the rule also covers releases already waiting.
    const stage = await stagingVerdict(db, true, target, project.name, now);
    return { allow: true, role, ...(stage ? { stage } : {}) };
  }
  if (!ACTIONS[action].gated) return { allow: true, role };
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
  const nonInteractive = actor.token !== undefined;
  const stage =
    action === "upload" && target && project
      ? await stagingVerdict(db, nonInteractive, target, project.name, now)
      : action === "create-project"
        ? await stagingVerdictForNew(db, nonInteractive, opts.ecosystem ?? null, now)
        : null;
  return {
    allow: true,
    role,
    ...(stage ? { stage } : {}),
    ...(verdict.warning ? { warning: verdict.warning, warnMandates: verdict.warnMandates } : {}),
  };
}

export type AuthzDeps = Pick<Deps, "db" | "clock"> & { config: Pick<Deps["config"], "origin"> };

/**
 * decide(), throwing the refusal (status, code and message as every surface has always shown them)
 * or returning the Grant that the domain mutator for `action` on `project` requires.
 */
export async function authorize(
  deps: AuthzDeps,
  actor: Actor,
  action: Action,
  project: Project | null,
  opts: { ecosystem?: string } = {},
): Promise<Grant> {
  const d = await decide(deps.db, deps.config.origin, actor, action, project, deps.clock.now(), opts);
  if (!d.allow) throw d.error;
  return mintGrant({
    actor,
    action,
    projectId: project?.id ?? null,
    role: d.role,
    ...(d.stage ? { stage: d.stage } : {}),
    ...(d.warning ? { warning: d.warning, warnMandates: d.warnMandates } : {}),
  });
}
