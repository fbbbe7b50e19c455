import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inSudo } from "../../accounts/index.js";
import { authorizeTokenCreation } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { projectsOfUser } from "../../packages/index.js";
import {
  checkExpiryDays,
  checkScopeChosen,
  createUserToken,
  listTokens,
  revokeUserToken,
  tokenName,
} from "../../tokens/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { checkFields, choice, formFailure, readForm, requestContext } from "../forms.js";
import { type TokenFormState, TokensPage, type TokensPageState } from "../pages/tokens.js";
import { flashFailure, queryParam, readList, signedIn } from "./guards.js";

/** /account/tokens: list, create (sudo + verified email) and revoke API tokens. */
export function registerTokenRoutes(app: FastifyInstance, deps: Deps): void {
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    extra: Pick<TokensPageState, "form" | "created" | "from"> = {},
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
    return page(req, reply, auth, { from: queryParam(req, "project").slice(0, 300) });
  });

  app.post("/account/tokens", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    // Kept through the password prompt, so the form comes back with the project still ticked.
    const from = queryParam(req, "project").slice(0, 300);
    const here = from ? `/account/tokens?project=${encodeURIComponent(from)}` : "/account/tokens";
    if (auth.user.emailVerified && !inSudo(auth.session, deps.clock.now())) {
      // Asked before the fields are judged: the password prompt comes back to a fresh form anyway.
      // (An unverified address is said first, by the domain: a password would not help.)
      setFlash(deps, reply, { kind: "info", message: "Confirm your password, then create the token again." });
      return reply.redirect(`/account/sudo?next=${encodeURIComponent(here)}`, 303);
    }
    const form = readForm(req, ["name", "scope", "expires"]);
    const projects = readList(req, "projects");
    const state: TokenFormState = {
      values: { name: form.name, expires: form.expires },
      scope: form.scope === "projects" ? "projects" : "account",
      projects,
    };
    const expires = form.expires.trim();
    // Digits only ("0x10" or "1e3" are not a number of days); the rule checks the range.
    const expiresInDays = expires === "" ? null : /^\d{1,6}$/.test(expires) ? Number(expires) : Number.NaN;
    const projectIds = form.scope === "projects" ? projects : null;
    try {
      checkFields({
        name: () => tokenName(form.name),
        scope: choice(form.scope, ["account", "projects"], "Choose what the token may publish to."),
        projects: () => checkScopeChosen(projectIds),
        expires: () => checkExpiryDays(expiresInDays),
      });
      const actor = { userId: auth.user.id, emailVerified: auth.user.emailVerified };
      const grant = await authorizeTokenCreation(deps, actor, { projectIds, npmScopes: [], readonly: false });
      const token = await createUserToken(
        deps,
        requestContext(req),
        auth.user,
        auth.session,
        { name: form.name, projectIds, expiresInDays },
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
        return reply.redirect(`/account/sudo?next=${encodeURIComponent(here)}`, 303);
      }
      const { state: failed, status } = formFailure(e, reply, state.values ?? {});
      return page(req, reply, auth, { from, form: { ...state, ...failed } }, status);
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
