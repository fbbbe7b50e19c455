import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { checkPasswordLogin, type User } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { afterPassword, completeSecondStep, type PasswordOutcome, pendingLogin } from "../../mfa/index.js";
import { safeNext, sendPage, setFlash } from "../context.js";
import { checkFields, formFailure, readForm, requestContext, required } from "../forms.js";
import {
  loginCookieNames,
  loginStep,
  markSeen,
  rememberCookie,
  seenUsers,
  setLoginStep,
  setRemember,
  setSession,
} from "../login-state.js";
import { LoginPage } from "../pages/auth.js";
import { SecondStepPage } from "../pages/second-step.js";

/** Where a finished sign-in goes: the 28-day checkup first when it is due. */
export function signedInRedirect(reply: FastifyReply, next: string, checkupDue: boolean): FastifyReply {
  return reply.redirect(
    checkupDue ? `/account/two-factor/checkup?next=${encodeURIComponent(next)}` : next,
    303,
  );
}

/** Applies the password step's outcome: a session, or the second-step page. */
export function applyOutcome(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  outcome: PasswordOutcome,
  next: string,
): FastifyReply {
  if (outcome.kind === "signed-in") {
    setSession(deps, reply, outcome.login);
    markSeen(deps, req, reply, user.id);
    return signedInRedirect(reply, next, outcome.checkupDue);
  }
  setLoginStep(deps, reply, outcome.token);
  return reply.redirect(`/account/login/two-factor?next=${encodeURIComponent(next)}`, 303);
}

export function registerLoginRoutes(app: FastifyInstance, deps: Deps): void {
  app.post("/account/login", async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    const form = readForm(req, ["username", "password"]);
    try {
      // Blank fields are said before any attempt is counted against the rate limits.
      checkFields({
        username: required(form.username, "Enter your username or email address."),
        password: required(form.password, "Enter your password."),
      });
      const ctx = requestContext(req);
      const user = await checkPasswordLogin(deps, ctx, form.username, form.password);
      const outcome = await afterPassword(deps, ctx, user, {
        previousCookie: req.auth?.cookie,
        rememberCookie: rememberCookie(deps, req),
      });
      return applyOutcome(deps, req, reply, user, outcome, next);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return sendPage(deps, req, reply, "Sign in", (c) => LoginPage(c, { ...state, next }), status);
    }
  });

  const restart = (reply: FastifyReply, message: string) => {
    setFlash(deps, reply, { kind: "error", message });
    reply.clearCookie(loginCookieNames(deps.config.secureCookies).step, { path: "/" });
    return reply.redirect("/account/login", 303);
  };

  app.get("/account/login/two-factor", async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    const token = loginStep(deps, req);
    if (!token) return restart(reply, "Sign in with your password first.");
    try {
      const pending = await pendingLogin(deps, token);
      return sendPage(deps, req, reply, "Two-factor authentication", (c) =>
        SecondStepPage(c, { next, username: pending.user.username, factors: pending.factors }),
      );
    } catch (e) {
      if (isAppError(e)) return restart(reply, e.message);
      throw e;
    }
  });

  app.post("/account/login/two-factor", async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    const token = loginStep(deps, req);
    if (!token) return restart(reply, "Sign in with your password first.");
    const form = readForm(req, ["code", "recovery_code", "remember"]);
    const factor = form.recovery_code.trim()
      ? { kind: "recovery" as const, code: form.recovery_code }
      : { kind: "totp" as const, code: form.code };
    try {
      const result = await completeSecondStep(deps, requestContext(req), token, factor, {
        remember: form.remember === "1",
        previousCookie: req.auth?.cookie,
        knownBrowser: (userId) => seenUsers(deps, req).includes(userId),
      });
      reply.clearCookie(loginCookieNames(deps.config.secureCookies).step, { path: "/" });
      setSession(deps, reply, result.login);
      if (result.rememberCookie) setRemember(deps, reply, result.rememberCookie);
      markSeen(deps, req, reply, result.login.user.id);
      return signedInRedirect(reply, next, result.checkupDue);
    } catch (e) {
      if (isAppError(e) && e.code === "CHALLENGE_INVALID") return restart(reply, e.message);
      const { state, status } = formFailure(e, reply, form);
      const pending = await pendingLogin(deps, token).catch(() => null);
      if (!pending) return restart(reply, "This sign-in step expired. Sign in again.");
      return sendPage(
        deps,
        req,
        reply,
        "Two-factor authentication",
        (c) =>
          SecondStepPage(c, { ...state, next, username: pending.user.username, factors: pending.factors }),
        status,
      );
    }
  });
}
