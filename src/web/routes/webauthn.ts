import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { isAppError, reraise } from "../../lib/errors.js";
import {
  completeSecondStepWithKey,
  confirmSudoWithPasskey,
  KEY_KINDS,
  keyRegistrationOptions,
  mfaErrors,
  passkeyOptions,
  recoveryStopKeyOptions,
  secondStepKeyOptions,
  signInWithPasskey,
  sudoPasskeyOptions,
  verifyRecoveryStopKey,
} from "../../mfa/index.js";
import { recoveryErrors, stopWithFactor } from "../../recovery/index.js";
import { safeNext, type WebAuth } from "../context.js";
import { webErrors } from "../errors.js";
import { requestContext } from "../forms.js";
import { loginCookieNames, loginStep, markSeen, seenUsers, setSession } from "../login-state.js";
import { stopCookieName } from "./recovery.js";
import { registerKeyPages } from "./webauthn-keys.js";

const keyOptionsBody = z.object({ kind: z.enum(KEY_KINDS), label: z.string().max(1000) });
const assertionBody = z.object({
  challengeId: z.string().min(1).max(100),
  response: z.unknown(),
  next: z.string().max(2000).optional(),
});

function body<T>(schema: z.ZodType<T>, req: FastifyRequest): T {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) throw webErrors.BODY_INVALID();
  return parsed.data;
}

function signedIn(req: FastifyRequest): WebAuth {
  if (!req.auth) throw webErrors.SIGNED_OUT();
  return req.auth;
}

/** Where a finished sign-in goes (as signedInRedirect in login-mfa.ts, but for a script to follow). */
const signedInUrl = (next: string, checkupDue: boolean) =>
  checkupDue ? `/account/two-factor/checkup?next=${encodeURIComponent(next)}` : next;

/**
 * The WebAuthn ceremonies. Each is two JSON POSTs from /static/wharf-webauthn.js: options (with a
 * single-use challenge), then the authenticator's answer. CSRF: the x-csrf-token header (context.tsx).
 * Errors are JSON `{ error }`, which the script shows in the page.
 */
export function registerWebAuthnRoutes(app: FastifyInstance, deps: Deps): void {
  registerKeyPages(app, deps);
  void app.register(async (json) => {
    // Encapsulated: only these routes answer errors (CSRF refusals included) as JSON.
    answerErrorsAsJson(json);

    json.post("/account/two-factor/keys/options", async (req) => {
      const auth = signedIn(req);
      const b = body(keyOptionsBody, req);
      return keyRegistrationOptions(deps, auth.user, auth.session, b.kind, b.label);
    });

    json.post("/account/login/webauthn/options", async (req) => secondStepKeyOptions(deps, stepToken(req)));
    json.post("/account/login/webauthn", async (req, reply) => {
      const token = stepToken(req);
      const b = body(assertionBody, req);
      const result = await completeSecondStepWithKey(deps, requestContext(req), token, b, {
        previousCookie: req.auth?.cookie,
        knownBrowser: (userId) => seenUsers(deps, req).includes(userId),
      });
      reply.clearCookie(loginCookieNames(deps.config.secureCookies).step, { path: "/" });
      setSession(deps, reply, result.login);
      markSeen(deps, req, reply, result.login.user.id);
      return { ok: true, redirect: signedInUrl(safeNext(b.next), result.checkupDue) };
    });

    json.post("/account/login/passkey/options", async (req) => passkeyOptions(deps, req.ip));
    json.post("/account/login/passkey", async (req, reply) => {
      const b = body(assertionBody, req);
      const result = await signInWithPasskey(deps, requestContext(req), b, req.auth?.cookie);
      setSession(deps, reply, result.login);
      markSeen(deps, req, reply, result.login.user.id);
      return { ok: true, redirect: signedInUrl(safeNext(b.next), result.checkupDue) };
    });

    // Stopping an account recovery with a key alone (recovery.ts renders the page and sets the cookie).
    json.post("/account/recovery/stop/key/options", async (req) => {
      await deps.limits.consume("webauthnIp", req.ip);
      return recoveryStopKeyOptions(deps, stopUser(req));
    });
    json.post("/account/recovery/stop/key", async (req) => {
      const b = body(assertionBody, req);
      const ctx = requestContext(req);
      const user = await verifyRecoveryStopKey(deps, ctx, stopUser(req), b);
      if (!(await stopWithFactor(deps, ctx, user.id, "security key")))
        throw recoveryErrors.REQUEST_CLOSED(
          "There is no open recovery request for this account: nothing to stop.",
        );
      return { ok: true, redirect: "/account/recovery/stop?done=1" };
    });
    json.post("/account/sudo/passkey/options", async (req) => sudoPasskeyOptions(deps, signedIn(req).user));
    json.post("/account/sudo/passkey", async (req) => {
      const auth = signedIn(req);
      const b = body(assertionBody, req);
      await confirmSudoWithPasskey(deps, requestContext(req), auth.user, auth.session, b);
      return { ok: true, redirect: safeNext(b.next) };
    });
  });

  function stopUser(req: FastifyRequest): string {
    const raw = req.cookies[stopCookieName(deps)];
    const id = raw ? deps.keys.unseal("recovery-stop", raw) : null;
    if (!id) throw webErrors.STOP_EXPIRED();
    return id;
  }

  function stepToken(req: FastifyRequest): string {
    const token = loginStep(deps, req);
    if (!token) throw mfaErrors.CHALLENGE_INVALID("Sign in with your password first.");
    return token;
  }
}

/**
 * For a plugin scope of script-called routes (the WebAuthn ceremonies): every error, CSRF refusals
 * included, is answered as JSON `{ error, code, field }`, which the script shows in the page; nothing
 * is cached.
 */
export function answerErrorsAsJson(json: FastifyInstance): void {
  json.setErrorHandler<Error>((error, req, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    const e = isAppError(error)
      ? error
      : status && status < 500
        ? reraise({
            status,
            code: "BAD_REQUEST",
            message: "The request could not be read. Reload the page.",
          })
        : null;
    if (!e) {
      req.log.error({ err: error }, "request failed");
      return reply.status(500).send({ error: "Something went wrong on our side. Try again." });
    }
    for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
    // `field` lets the script put the message beside its field (the key's name), not in the status line.
    return reply.status(e.status).send({ error: e.message, code: e.code, field: e.field });
  });
  json.addHook("onSend", async (_req, reply) => {
    reply.header("cache-control", "no-store");
  });
}
