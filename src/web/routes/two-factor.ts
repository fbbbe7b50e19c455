import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inSudo, listSessions } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import {
  beginTotpEnrollment,
  completeCheckup,
  confirmTotpEnrollment,
  factorSummary,
  normalizeCode,
  regenerateRecoveryCodes,
  removeKey,
  removeTotp,
  resumeTotpEnrollment,
} from "../../mfa/index.js";
import { safeNext, sendPage, setFlash, type WebAuth } from "../context.js";
import { checkFields, formFailure, readForm, requestContext } from "../forms.js";
import { CheckupPage, TotpEnrollPage, TwoFactorPage } from "../pages/two-factor.js";
import { registerProtectRoutes } from "./protect.js";
import { registerRecoveryCodeRoutes, sendRecoveryCodes } from "./recovery-codes.js";

const OTHER_SESSIONS_HINT =
  " If you think someone else had access, sign out your other sessions on the Sessions page.";

/** Factor management: overview, authenticator app, recovery codes, removal (all changes need sudo). */
export function registerTwoFactorRoutes(app: FastifyInstance, deps: Deps): void {
  registerRecoveryCodeRoutes(app, deps);
  registerProtectRoutes(app, deps);
  function gate(
    req: FastifyRequest,
    reply: FastifyReply,
    sudo: boolean,
    back = "/account/two-factor",
  ): WebAuth | null {
    if (!req.auth) {
      void reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
      return null;
    }
    if (sudo && !inSudo(req.auth.session, deps.clock.now())) {
      setFlash(deps, reply, { kind: "info", message: "Confirm it is you first." });
      void reply.redirect(`/account/sudo?next=${encodeURIComponent(back)}`, 303);
      return null;
    }
    return req.auth;
  }
  app.get("/account/two-factor", async (req, reply) => {
    const auth = gate(req, reply, false);
    if (!auth) return reply;
    const f = await factorSummary(deps.db, auth.user.id);
    const sessions = await listSessions(
      deps.db,
      deps.clock.now(),
      { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs },
      auth.user.id,
    );
    const otherSessions = sessions.filter((x) => x.publicId !== auth.session.publicId).length;
    return sendPage(deps, req, reply, "Two-factor authentication", (c) =>
      TwoFactorPage(c, { f, otherSessions }),
    );
  });

  app.get("/account/two-factor/totp", async (req, reply) => {
    const auth = gate(req, reply, true, "/account/two-factor/totp");
    if (!auth) return reply;
    const e = await beginTotpEnrollment(deps, auth.user);
    return sendPage(deps, req, reply, "Set up an authenticator app", (c) => TotpEnrollPage(c, { e }));
  });
  app.post("/account/two-factor/totp", async (req, reply) => {
    const auth = gate(req, reply, true, "/account/two-factor/totp");
    if (!auth) return reply;
    const form = readForm(req, ["sealed", "code"]);
    try {
      checkFields({ code: () => normalizeCode(form.code) });
      const codes = await confirmTotpEnrollment(
        deps,
        requestContext(req),
        auth.user,
        auth.session,
        form.sealed,
        form.code,
      );
      if (codes) return sendRecoveryCodes(deps, req, reply, auth.user, codes);
      setFlash(deps, reply, { kind: "success", message: `Authenticator app enabled.${OTHER_SESSIONS_HINT}` });
      return reply.redirect("/account/two-factor", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, {});
      const again = await resumeTotpEnrollment(deps, auth.user, form.sealed);
      return sendPage(
        deps,
        req,
        reply,
        "Set up an authenticator app",
        (c) => TotpEnrollPage(c, { ...state, e: again }),
        status,
      );
    }
  });

  app.post("/account/two-factor/totp/remove", async (req, reply) => {
    const auth = gate(req, reply, true);
    if (!auth) return reply;
    try {
      await removeTotp(deps, requestContext(req), auth.user, auth.session);
      setFlash(deps, reply, { kind: "success", message: `Authenticator app removed.${OTHER_SESSIONS_HINT}` });
    } catch (e) {
      setFlash(deps, reply, {
        kind: "error",
        message: formFailure(e, reply, {}).state.error ?? "Could not remove it.",
      });
    }
    return reply.redirect("/account/two-factor", 303);
  });

  app.post<{ Params: { id: string } }>("/account/two-factor/keys/:id/remove", async (req, reply) => {
    const auth = gate(req, reply, true);
    if (!auth) return reply;
    try {
      await removeKey(deps, requestContext(req), auth.user, auth.session, req.params.id);
      setFlash(deps, reply, { kind: "success", message: `Security key removed.${OTHER_SESSIONS_HINT}` });
    } catch (e) {
      setFlash(deps, reply, {
        kind: "error",
        message: formFailure(e, reply, {}).state.error ?? "Could not remove it.",
      });
    }
    return reply.redirect("/account/two-factor", 303);
  });

  app.post("/account/two-factor/recovery-codes", async (req, reply) => {
    const auth = gate(req, reply, true);
    if (!auth) return reply;
    const codes = await regenerateRecoveryCodes(deps, requestContext(req), auth.user, auth.session);
    return sendRecoveryCodes(deps, req, reply, auth.user, codes);
  });

  app.get("/account/two-factor/checkup", async (req, reply) => {
    const auth = gate(req, reply, false);
    if (!auth) return reply;
    const next = safeNext((req.query as Record<string, unknown>).next);
    const f = await factorSummary(deps.db, auth.user.id);
    return sendPage(deps, req, reply, "Two-factor checkup", (c) => CheckupPage(c, { f, next }));
  });
  app.post("/account/two-factor/checkup", async (req, reply) => {
    const auth = gate(req, reply, false);
    if (!auth) return reply;
    const next = safeNext((req.query as Record<string, unknown>).next);
    const { answer } = readForm(req, ["answer"]);
    await completeCheckup(deps, requestContext(req), auth.user);
    if (answer === "regenerate") {
      // The sign-in that led here opened a sudo window, so this is the promised one-step path.
      const codes = await regenerateRecoveryCodes(deps, requestContext(req), auth.user, auth.session);
      return sendRecoveryCodes(deps, req, reply, auth.user, codes);
    }
    setFlash(deps, reply, { kind: "success", message: "Thanks. We will not ask again." });
    return reply.redirect(next, 303);
  });
}
