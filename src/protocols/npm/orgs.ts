import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Deps } from "../../deps.js";
import {
  addScopeOwner,
  getScope,
  normalizeScope,
  removeScopeOwner,
  type Scope,
} from "../../packages/index.js";
import { type NpmAuth, requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { ascii, requireSecondFactor } from "./second-factor.js";

// libnpmorg's bodies. npm orgs have three roles; a Wharf scope has one (owner: may create packages).
const SetBody = z.object({ user: z.string().min(1).max(100), role: z.string().max(20).optional() });
const RmBody = z.object({ user: z.string().min(1).max(100) });
const NPM_ROLES = new Set(["owner", "admin", "developer"]);
const NO_ORGS = "Organizations and teams are not supported on this registry.";

function scopeParam(req: FastifyRequest<{ Params: { org: string } }>): string {
  return normalizeScope(decodeURIComponent(req.params.org));
}

const members = (s: Scope) => Object.fromEntries(s.owners.map((o) => [o.username, "owner"]));

/**
 * Changing who owns a scope changes who may publish new packages under it: an account-wide token and
 * the same second factor as a publish (a token limited to some projects must not grant itself more).
 */
async function writer(deps: Deps, req: FastifyRequest, description: string): Promise<NpmAuth> {
  const auth = await requireWriter(deps, req);
  if (auth.token.scope.kind !== "account") throw npmErrors.TOKEN_SCOPE();
  await requireSecondFactor(deps, req, auth.user, auth.token, { kind: "write", description });
  return auth;
}

/**
 * `npm org ls|set|rm` on a scope (`/-/org/<scope>/user`), the CLI's way to manage scope owners. The
 * list is public on the web too (/scopes/<scope>/).
 */
export function registerOrgs(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { org: string } }>("/npm/-/org/:org/user", async (req) => {
    await requireAuth(deps, req);
    const scope = await getScope(deps.db, scopeParam(req));
    if (!scope)
      throw npmErrors.NOT_FOUND(
        `No one owns the scope @${scopeParam(req)} here. ${NO_ORGS} npm org lists a scope's owners once someone publishes under it.`,
      );
    return members(scope);
  });

  // npm team, npm access grant|revoke and yarn 1's team commands: a scope has owners, nothing more.
  // 400, not 404: on a 404, `npm access list packages <scope>:<team>` would retry as a user lookup.
  const noTeams = async () => {
    throw npmErrors.UNSUPPORTED(`${NO_ORGS} A scope's owners are managed with npm org set|rm.`);
  };
  app.all("/npm/-/team/*", noTeams);
  app.all("/npm/-/org/:org/team", noTeams);

  app.put<{ Params: { org: string } }>("/npm/-/org/:org/user", async (req, reply) => {
    const parsed = SetBody.safeParse(req.body);
    if (!parsed.success) throw npmErrors.BODY_INVALID("Send {user, role}, as npm org set does.");
    const { user, role } = parsed.data;
    if (role !== undefined && !NPM_ROLES.has(role))
      throw npmErrors.BODY_INVALID(`Unknown role '${role}': use owner, admin or developer.`);
    const name = scopeParam(req);
    const auth = await writer(deps, req, `add ${user} as an owner of @${name}`);
    const scope = await addScopeOwner(deps, requestContext(req), { userId: auth.user.id }, name, user);
    if (role && role !== "owner")
      reply.header(
        "npm-notice",
        ascii(`Scopes here have one role: ${user} is an owner of @${name} (may create packages).`),
      );
    return { org: { name: scope.name, size: scope.owners.length }, user, role: "owner" };
  });

  app.delete<{ Params: { org: string } }>("/npm/-/org/:org/user", async (req) => {
    const parsed = RmBody.safeParse(req.body);
    if (!parsed.success) throw npmErrors.BODY_INVALID("Send {user}, as npm org rm does.");
    const name = scopeParam(req);
    const auth = await writer(deps, req, `remove ${parsed.data.user} from the owners of @${name}`);
    await removeScopeOwner(deps, requestContext(req), { userId: auth.user.id }, name, parsed.data.user);
    return {};
  });
}
