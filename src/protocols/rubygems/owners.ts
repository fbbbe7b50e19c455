import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUserByLogin } from "../../accounts/index.js";
import { authorize } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { changeOwners, listMembers } from "../../packages/index.js";
import { requestContext, requireKey } from "./auth.js";
import { gemErrors } from "./errors.js";
import { requireOtp } from "./second-factor.js";
import { form, gemRequiresMfa, namedGem } from "./yank.js";

type Req = FastifyRequest<{ Params: { name: string } }>;

/** YAML that Gem::SafeYAML reads: JSON strings are YAML scalars, so a handle is always quoted safely. */
const ownersYaml = (handles: string[]): string =>
  `---\n${handles.map((h) => `- handle: ${JSON.stringify(h)}\n`).join("")}`;

/**
 * `gem owner NAME` lists (`GET api/v1/gems/NAME/owners.yaml`), `--add X` / `--remove X` post or delete
 * `email=X` (an email or a user name) to `…/owners`. Only owners may change owners (authorize
 * "manage-people", so mandates and the gem's MFA requirement apply), with the OTP like every CLI
 * write; an owner added this way is an owner at once and is told by mail (packages/owners.ts). The
 * list shows user names, never email addresses.
 */
export function registerOwners(app: FastifyInstance, deps: Deps): void {
  const list = async (req: Req, reply: FastifyReply, format: "yaml" | "json") => {
    const v = await namedGem(deps, req.params.name);
    if (v.project.quarantinedAt) throw gemErrors.GEM_NOT_FOUND();
    const owners = (await listMembers(deps.db, v.project.id)).filter((m) => m.role === "owner");
    const handles = owners.map((m) => m.username);
    if (format === "json") return reply.type("application/json").send(handles.map((handle) => ({ handle })));
    return reply.type("text/yaml; charset=utf-8").send(ownersYaml(handles));
  };
  app.get<{ Params: { name: string } }>("/rubygems/api/v1/gems/:name/owners.yaml", (req, reply) =>
    list(req, reply, "yaml"),
  );
  app.get<{ Params: { name: string } }>("/rubygems/api/v1/gems/:name/owners.json", (req, reply) =>
    list(req, reply, "json"),
  );
  app.get<{ Params: { name: string } }>("/rubygems/api/v1/gems/:name/owners", (req, reply) =>
    list(req, reply, "json"),
  );

  const change = (adding: boolean) => async (req: Req, reply: FastifyReply) => {
    const auth = await requireKey(deps, req, true);
    const v = await namedGem(deps, req.params.name);
    const who = form(req).email;
    if (!who) throw gemErrors.BODY_INVALID("Name the owner: gem owner NAME --add EMAIL_OR_HANDLE.");
    const grant = await authorize(deps, auth.actor, "manage-people", v.project, { ecosystem: "rubygems" });
    await requireOtp(deps, req, auth.user, { required: gemRequiresMfa(v) });
    const user = await getUserByLogin(deps.db, who);
    if (!user)
      throw gemErrors.OWNER_NOT_FOUND(
        `Owner could not be found: no user with the email or name '${who.slice(0, 100)}'.`,
      );
    await changeOwners(deps, requestContext(req), grant, auth.user, v.project, {
      add: adding ? [user.username] : [],
      remove: adding ? [] : [user.username],
      client: "gem",
    });
    const done = adding
      ? `${user.username} is now an owner of ${v.project.name}.`
      : `${user.username} is no longer an owner of ${v.project.name}.`;
    return reply.type("text/plain; charset=utf-8").send(grant.warning ? `${done}\n${grant.warning}` : done);
  };
  app.post("/rubygems/api/v1/gems/:name/owners", change(true));
  app.delete("/rubygems/api/v1/gems/:name/owners", change(false));
}
