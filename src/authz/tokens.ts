import { getProjectById, projectsOfUser } from "../packages/index.js";
import { tokenErrors } from "../tokens/index.js";
import { type AuthzDeps, decide } from "./decide.js";
import { authzErrors } from "./errors.js";
import { type Actor, type Grant, mintGrant, type TokenGrantScope } from "./grant.js";
import { mfaVerdict } from "./verdict.js";

/**
 * May this user mint this token? A token is gated by what it can write (issue 13, item 7): one scoped
 * to projects by the mandates covering those projects; an account-wide one by the mandates covering
 * any project the user maintains and those covering new projects (it could create one); npm scopes
 * likewise cover new packages of the scope. A read-only token writes nothing, so no mandate gates it;
 * a maintainer under a key-only mandate on one project can still make one to install another's
 * private mirror, or for anything else that only reads.
 */
export async function authorizeTokenCreation(
  deps: AuthzDeps,
  actor: Actor,
  scope: TokenGrantScope,
): Promise<Grant> {
  if (actor.token?.publisher)
    throw authzErrors.PUBLISHER_UPLOAD_ONLY("A trusted publisher's token cannot create tokens.");
  if (!actor.emailVerified) throw tokenErrors.EMAIL_UNVERIFIED();
  const grant = () => mintGrant({ actor, action: "create-token", projectId: null, role: null, token: scope });
  if (scope.readonly) return grant();
  const now = deps.clock.now();
  for (const p of await projectsOfUser(deps.db, actor.userId)) {
    if (scope.projectIds && !scope.projectIds.includes(p.projectId)) continue;
    const project = await getProjectById(deps.db, p.projectId);
    if (!project) continue;
    // The person is judged, not the credential this request came with (npm token create may be sent
    // with a token scoped elsewhere; the new token's scope is what is being decided).
    const person = { userId: actor.userId, emailVerified: actor.emailVerified };
    const d = await decide(deps.db, deps.config.origin, person, "create-token", project, now);
    if (!d.allow) throw d.error;
  }
  const creates = scope.projectIds === null ? [null] : scope.npmScopes.length ? ["npm"] : [];
  for (const ecosystem of creates) {
    const v = await mfaVerdict(deps.db, deps.config.origin, actor.userId, null, null, ecosystem, now);
    if (v.deny) throw v.deny.error;
  }
  return grant();
}
