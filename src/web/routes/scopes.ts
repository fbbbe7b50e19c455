import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUserByUsername } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import {
  addScopeOwner,
  getScope,
  listScopePackages,
  normalizeScope,
  removeScopeOwner,
} from "../../packages/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { readForm, requestContext } from "../forms.js";
import { ScopePage } from "../pages/scope.js";
import { flashFailure, requireSudo, signedIn } from "./guards.js";

/** `/scopes/<scope>/`: who owns an npm scope and what it holds; its owners add and remove owners. */
export function registerScopeRoutes(app: FastifyInstance, deps: Deps): void {
  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    raw: string,
    form: { addError?: string; addValue?: string } = {},
    status = 200,
  ) {
    const name = normalizeScope(raw);
    const scope = await getScope(deps.db, name);
    const namesake = scope ? null : await getUserByUsername(deps.db, name);
    const viewer = req.auth?.user.id;
    const viewerIsOwner = !!viewer && !!scope?.owners.some((o) => o.userId === viewer);
    // Quarantined packages exist only for the scope's owners (issue 18): others do not see their names.
    const packages = (await listScopePackages(deps.db, name)).filter((p) => viewerIsOwner || !p.quarantined);
    return sendPage(
      deps,
      req,
      reply,
      `@${name}`,
      (c) =>
        ScopePage(c, { name, scope, namesake: namesake?.username ?? null, packages, viewerIsOwner, ...form }),
      status,
    );
  }

  app.get<{ Params: { scope: string } }>("/scopes/:scope", (req, reply) =>
    reply.redirect(`/scopes/${encodeURIComponent(normalizeScope(req.params.scope))}/`, 301),
  );
  app.get<{ Params: { scope: string } }>("/scopes/:scope/", (req, reply) => {
    const name = normalizeScope(req.params.scope);
    if (name !== req.params.scope) return reply.redirect(`/scopes/${encodeURIComponent(name)}/`, 301);
    return render(req, reply, name);
  });

  /** Signed in, in sudo (changing who may publish is as sensitive as changing project roles). */
  function guard(req: FastifyRequest<{ Params: { scope: string } }>, reply: FastifyReply): WebAuth | null {
    const auth = signedIn(req, reply);
    if (!auth) return null;
    const next = `/scopes/${encodeURIComponent(normalizeScope(req.params.scope))}/#owners`;
    if (!requireSudo(deps, auth, reply, next, "Confirm your password, then change the scope's owners again."))
      return null;
    return auth;
  }

  app.post<{ Params: { scope: string } }>("/scopes/:scope/owners/add", async (req, reply) => {
    const auth = guard(req, reply);
    if (!auth) return reply;
    const { username } = readForm(req, ["username"]);
    try {
      const scope = await addScopeOwner(
        deps,
        requestContext(req),
        { userId: auth.user.id },
        req.params.scope,
        username.trim(),
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `${username.trim()} is now an owner of @${scope.name}.`,
      });
      return reply.redirect(`/scopes/${scope.name}/#owners`, 303);
    } catch (e) {
      if (!isAppError(e) || e.field !== "username") throw e;
      return render(req, reply, req.params.scope, { addError: e.message, addValue: username }, e.status);
    }
  });

  app.post<{ Params: { scope: string } }>("/scopes/:scope/owners/remove", async (req, reply) => {
    const auth = guard(req, reply);
    if (!auth) return reply;
    const { username } = readForm(req, ["username"]);
    const name = normalizeScope(req.params.scope);
    try {
      await removeScopeOwner(deps, requestContext(req), { userId: auth.user.id }, name, username);
      setFlash(deps, reply, { kind: "success", message: `${username} is no longer an owner of @${name}.` });
    } catch (e) {
      // The last owner cannot go (LAST_SCOPE_OWNER): the reason is shown on the scope's page.
      flashFailure(deps, reply, e);
    }
    return reply.redirect(`/scopes/${name}/#owners`, 303);
  });
}
