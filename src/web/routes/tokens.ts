import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authorizeTokenCreation } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { projectsOfUser } from "../../packages/index.js";
import { createUserToken, listTokens, revokeUserToken } from "../../tokens/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import { type TokenFormState, TokensPage, type TokensPageState } from "../pages/tokens.js";
import { flashFailure, readList, signedIn } from "./guards.js";

/** /account/tokens: list, create (sudo + verified email) and revoke API tokens. */
export function registerTokenRoutes(app: FastifyInstance, deps: Deps): void {
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    extra: Pick<TokensPageState, "form" | "created"> = {},
    status = 200,
  ) {
    const [tokens, projects] = await Promise.all([
      listTokens(deps.db, auth.user.id),
      projectsOfUser(deps.db, auth.user.id),
    ]);
    const s: TokensPageState = {
      tokens,
      projects,
      now: deps.clock.now(),
      origin: deps.config.origin,
      ...extra,
    };
    return sendPage(deps, req, reply, "API tokens", (c) => TokensPage(c, s), status);
  }

  app.get("/account/tokens", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    return page(req, reply, auth);
  });

  app.post("/account/tokens", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const form = readForm(req, ["name", "scope", "expires"]);
    const projects = readList(req, "projects");
    const state: TokenFormState = {
      values: { name: form.name, expires: form.expires },
      scope: form.scope === "projects" ? "projects" : "account",
      projects,
    };
    if (form.scope !== "account" && form.scope !== "projects") {
      return page(req, reply, auth, { form: { ...state, errors: { scope: "Choose a scope." } } }, 400);
    }
    const expires = form.expires.trim();
    try {
      const projectIds = form.scope === "projects" ? projects : null;
      const actor = { userId: auth.user.id, emailVerified: auth.user.emailVerified };
      const grant = await authorizeTokenCreation(deps, actor, { projectIds, npmScopes: [], readonly: false });
      const token = await createUserToken(
        deps,
        requestContext(req),
        auth.user,
        auth.session,
        {
          name: form.name,
          projectIds,
          // Digits only ("0x10" or "1e3" are not a number of days); the domain checks the range.
          expiresInDays: expires === "" ? null : /^\d{1,6}$/.test(expires) ? Number(expires) : Number.NaN,
        },
        grant,
      );
      // Rendered in this response only (no redirect, no flash cookie): the secret never travels twice.
      return page(req, reply, auth, { created: { name: form.name.trim(), token } });
    } catch (e) {
      if (isAppError(e) && e.code === "SUDO_REQUIRED") {
        setFlash(deps, reply, {
          kind: "info",
          message: "Confirm your password, then create the token again.",
        });
        return reply.redirect(`/account/sudo?next=${encodeURIComponent("/account/tokens")}`, 303);
      }
      const { state: failed, status } = formFailure(e, reply, state.values ?? {});
      return page(req, reply, auth, { form: { ...state, ...failed } }, status);
    }
  });

  app.post<{ Params: { id: string } }>("/account/tokens/:id/revoke", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    try {
      await revokeUserToken(deps, requestContext(req), auth.user, req.params.id);
      setFlash(deps, reply, {
        kind: "success",
        message: "The token was revoked. Anything still using it will be refused.",
      });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect("/account/tokens", 303);
  });
}
