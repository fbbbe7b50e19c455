import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { getUserByUsername } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { cleanVersion } from "../../ecosystems/npm/semver.js";
import { factorSummary } from "../../mfa/index.js";
import {
  changeDistTag,
  getScope,
  listScopePackages,
  type MfaLevel,
  type MfaRequirement,
  mfaRequirementOf,
  projectsOfUser,
  setMfaRequirement,
} from "../../packages/index.js";
import { requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { checkDistTag } from "./rules.js";
import { requireSecondFactor } from "./second-factor.js";
import type { PackageStates } from "./state.js";
import { trustRoutes } from "./trust.js";
import { allow } from "./writes.js";

/** `/npm/-/package/<name>/<rest...>`, where the name is `@scope%2fname` or `@scope/name` or plain. */
function parse(url: string): { name: string; rest: string[] } {
  const segs = url.split("?")[0]!.slice("/npm/-/package/".length).split("/").map(decodeURIComponent);
  let name = segs.shift() ?? "";
  if (name.startsWith("@") && !name.includes("/")) name = `${name}/${segs.shift() ?? ""}`;
  return { name, rest: segs };
}

const AccessBody = z.union([
  z.object({ publish_requires_tfa: z.boolean(), automation_token_overrides_tfa: z.boolean().optional() }),
  z.object({ access: z.string() }),
]);

/**
 * dist-tags, access/MFA settings, collaborators and trusted publishers: the `npm dist-tag`, `npm access`
 * and `npm trust` commands.
 */
export function registerPackageApi(app: FastifyInstance, deps: Deps, states: PackageStates): void {
  const project = async (name: string) => (await states.basics(name)).project;
  const trust = trustRoutes(deps);

  app.get("/npm/-/package/*", async (req) => {
    const { name, rest } = parse(req.url);
    if (rest.join("/") === "trust") return trust.list(req, name);
    const v = await states.basics(name);
    if (rest.join("/") === "dist-tags") return v.tags;
    if (rest.join("/") === "visibility") return { public: true };
    if (rest.join("/") === "collaborators")
      return Object.fromEntries(v.members.map((m) => [m.username, "read-write"]));
    if (rest.join("/") === "access") {
      // npm's view of the one requirement: any level is "2FA to publish"; the exemption is automation.
      const r = await mfaRequirementOf(deps.db, v.project.id);
      return {
        publish_requires_tfa: r.level !== "none",
        automation_token_overrides_tfa: r.level !== "none" && r.tokensExempt,
      };
    }
    throw npmErrors.NOT_FOUND();
  });

  const tagWrite = async (req: FastifyRequest, reply: FastifyReply) => {
    const { name, rest } = parse(req.url);
    if (req.method === "DELETE" && rest.length === 2 && rest[0] === "trust")
      return trust.revoke(req, reply, name, rest[1]!);
    if (rest.length !== 2 || rest[0] !== "dist-tags") throw npmErrors.NOT_FOUND();
    const tag = checkDistTag(rest[1]!);
    const auth = await requireWriter(deps, req);
    const p = await project(name);
    const version = req.method === "DELETE" ? null : cleanVersion(req.body);
    const grant = await allow(deps, auth, "dist-tag", p);
    await requireSecondFactor(deps, req, auth.user, auth.token, {
      kind: "write",
      description: version ? `tag ${name}@${version} as ${tag}` : `remove the dist-tag ${tag} of ${name}`,
      project: p,
    });
    await changeDistTag(deps, requestContext(req), grant, p, tag, version);
    return reply.send({ ok: true });
  };
  app.put("/npm/-/package/*", tagWrite);
  app.delete("/npm/-/package/*", tagWrite);

  app.post("/npm/-/package/*", async (req, reply) => {
    const { name, rest } = parse(req.url);
    if (rest.join("/") === "trust") return trust.add(req, reply, name);
    if (rest.join("/") !== "access") throw npmErrors.NOT_FOUND();
    const parsed = AccessBody.safeParse(req.body);
    if (!parsed.success)
      throw npmErrors.BODY_INVALID(
        "Send {publish_requires_tfa, automation_token_overrides_tfa} or {access}.",
      );
    const auth = await requireWriter(deps, req);
    const p = await project(name);
    if ("access" in parsed.data) {
      if (parsed.data.access === "public") return reply.send({ ok: true });
      throw npmErrors.UNSUPPORTED(
        "Every package on this registry is readable by everyone who can reach it; private packages are not supported.",
      );
    }
    const wanted = !parsed.data.publish_requires_tfa
      ? "none"
      : parsed.data.automation_token_overrides_tfa
        ? "automation"
        : "publish";
    const grant = await allow(deps, auth, "manage-settings", p);
    // mfa=publish|automation asks for two-factor: at least "any", keeping a stricter level set on the web.
    const current = await mfaRequirementOf(deps.db, p.id);
    const level: MfaLevel =
      wanted === "none" ? "none" : current.level === "phishing-resistant" ? current.level : "any";
    // Requiring 2FA you do not have would lock you out of your own package.
    if (wanted !== "none" && !(await factorSummary(deps.db, auth.user.id)).enrolled)
      throw npmErrors.TFA_REQUIRED(
        `Enable two-factor authentication yourself before requiring it (npm profile enable-2fa, or ${deps.config.origin}/account/two-factor).`,
      );
    await requireSecondFactor(deps, req, auth.user, auth.token, {
      kind: "write",
      description: `set mfa=${wanted} on ${name}`,
      project: p,
    });
    await setMfaRequirement(deps, requestContext(req), grant, p, {
      level,
      tokensExempt: wanted === "automation",
    });
    return reply.send({ ok: true });
  });

  // npm access list packages [user|scope]
  app.get<{ Params: { who: string } }>("/npm/-/user/:who/package", async (req) => {
    const auth = await requireAuth(deps, req);
    const user = await getUserByUsername(deps.db, req.params.who);
    if (!user) throw npmErrors.NOT_FOUND(`No user named '${req.params.who}'.`);
    const mine = await projectsOfUser(deps.db, user.id);
    // A quarantined package exists only for its own people (issue 18): others do not learn its name here.
    const shown = mine.filter((p) => p.ecosystem === "npm" && (!p.quarantined || user.id === auth.user.id));
    return Object.fromEntries(shown.map((p) => [p.name, "read-write"]));
  });
  // npm asks the org route first and falls back to the user route only on a 404 (libnpmaccess
  // getPackages). A scope here is not an account: when the name is a user's (alice owns @alice too),
  // the user route's answer (all of alice's packages) is the one `npm access list packages` wants.
  app.get<{ Params: { scope: string } }>("/npm/-/org/:scope/package", async (req) => {
    const auth = await requireAuth(deps, req);
    const name = req.params.scope.replace(/^@/, "");
    const notOrg = () => npmErrors.NOT_FOUND(`No scope named '@${name}' on this registry.`);
    if (await getUserByUsername(deps.db, name)) throw notOrg();
    let scope: Awaited<ReturnType<typeof getScope>>;
    try {
      scope = await getScope(deps.db, name);
    } catch {
      throw notOrg();
    }
    if (!scope) throw notOrg();
    const owner = scope.owners.some((o) => o.userId === auth.user.id);
    const projects = (await listScopePackages(deps.db, scope.name)).filter((p) => owner || !p.quarantined);
    return Object.fromEntries(projects.map((p) => [p.name, "read-write"]));
  });
}
