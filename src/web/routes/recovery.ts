import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUser } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { type AppError, isAppError } from "../../lib/errors.js";
import { checkRememberedBrowser } from "../../mfa/index.js";
import {
  browserClaim,
  cancelAsOwner,
  cancelByLink,
  confirmRecovery,
  moveToThisBrowser,
  type ObservedProofs,
  OPEN_STATES,
  openRequestOf,
  openRequestOfStopLink,
  type RecoveryRequest,
  readClaim,
  recoveryErrors,
  requestForBrowser,
  requestOfCancelLink,
  requestRecovery,
  stopWithCode,
  submitProofs,
  viewRecoveryLink,
  waitFor,
} from "../../recovery/index.js";
import { cookieOptions, sendPage, setFlash } from "../context.js";
import { checkFields, formFailure, readForm, requestContext, required } from "../forms.js";
import { rememberCookie, seenUsers } from "../login-state.js";
import { ErrorPage } from "../pages/home.js";
import {
  CancelByLinkPage,
  OpenRecoveryPage,
  RecoveryProofsPage,
  RecoveryStartPage,
  StopRecoveryPage,
} from "../pages/recovery.js";
import { NoRecoveryHerePage, RecoveryLinkPage } from "../pages/recovery-link.js";
import { queryParam, signedIn } from "./guards.js";

const cookieName = (deps: Deps) => `${deps.config.secureCookies ? "__Host-" : ""}wharf_recovery`;
/** Whose recovery the key button on the stop page is for (signed; read by the JSON key routes). */
export const stopCookieName = (deps: Deps) =>
  `${deps.config.secureCookies ? "__Host-" : ""}wharf_recovery_stop`;

/**
 * Account recovery pages. The browser that confirmed the email link gets a signed cookie naming its
 * request: proofs can only be presented from there, and what that browser shows by itself (a session,
 * a "signed in here before" cookie) is what gets checked.
 */
export function registerRecoveryRoutes(app: FastifyInstance, deps: Deps): void {
  const title = "Recover your account";
  const failPage = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    if (!isAppError(e)) throw e;
    return sendPage(
      deps,
      req,
      reply,
      title,
      (c) => ErrorPage(c, { status: e.status, message: e.message }),
      e.status,
    );
  };

  app.get("/account/recovery", (req, reply) =>
    sendPage(deps, req, reply, title, (c) =>
      RecoveryStartPage(c, { values: { login: queryParam(req, "login") } }),
    ),
  );
  app.post("/account/recovery", async (req, reply) => {
    const form = readForm(req, ["login"]);
    try {
      checkFields({ login: required(form.login, "Enter your username or email address.") });
      await requestRecovery(deps, requestContext(req), form.login);
      return sendPage(deps, req, reply, title, (c) => RecoveryStartPage(c, { sent: true }));
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return sendPage(deps, req, reply, title, (c) => RecoveryStartPage(c, state), status);
    }
  });

  // GET only shows the link's state (mail previews open links); the buttons spend or move it.
  const linkPage = async (req: FastifyRequest, reply: FastifyReply, token: string, error?: AppError) => {
    const view = await viewRecoveryLink(deps, token);
    const claim = browserClaimOf(req);
    const heldHere = view.kind === "movable" && claim?.requestId === view.requestId;
    const status =
      error?.status ??
      (view.kind === "invalid" ? 400 : view.kind === "used" || view.kind === "expired" ? 410 : 200);
    return sendPage(
      deps,
      req,
      reply,
      title,
      (c) => RecoveryLinkPage(c, { token, view, heldHere, error: error?.message }),
      status,
    );
  };
  const bindBrowser = (reply: FastifyReply, requestId: string, binding: string) => {
    reply.setCookie(
      cookieName(deps),
      deps.keys.seal("recovery", browserClaim(requestId, binding)),
      cookieOptions(deps, 60 * 86400),
    );
    return reply.redirect("/account/recovery/proofs", 303);
  };
  app.get("/account/recovery/confirm", (req, reply) => linkPage(req, reply, queryParam(req, "token")));
  app.post("/account/recovery/confirm", async (req, reply) => {
    const form = readForm(req, ["token"]);
    try {
      const { requestId, binding } = await confirmRecovery(deps, requestContext(req), form.token);
      return bindBrowser(reply, requestId, binding);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return linkPage(req, reply, form.token, e);
    }
  });
  app.post("/account/recovery/move", async (req, reply) => {
    const form = readForm(req, ["token"]);
    try {
      const { requestId, binding } = await moveToThisBrowser(deps, requestContext(req), form.token);
      return bindBrowser(reply, requestId, binding);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return linkPage(req, reply, form.token, e);
    }
  });

  /** The request this browser confirmed, or a page saying to start over. */
  function browserClaimOf(req: FastifyRequest) {
    const raw = req.cookies[cookieName(deps)];
    const claim = raw ? deps.keys.unseal("recovery", raw) : null;
    return claim ? readClaim(claim) : null;
  }
  const browserRequest = async (req: FastifyRequest): Promise<RecoveryRequest | null> => {
    const claim = browserClaimOf(req);
    return claim ? requestForBrowser(deps, claim.requestId, claim.binding).catch(() => null) : null;
  };
  const observe = async (req: FastifyRequest, userId: string): Promise<ObservedProofs> => {
    const remember = rememberCookie(deps, req);
    return {
      knownBrowser:
        seenUsers(deps, req).includes(userId) ||
        Boolean(remember && (await checkRememberedBrowser(deps, userId, remember))),
      openSessionId: req.auth?.user.id === userId ? req.auth.session.publicId : null,
    };
  };
  const proofsPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    r: RecoveryRequest,
    extra = {},
    status = 200,
  ) => {
    const seen = await observe(req, r.userId);
    const user = await getUser(deps.db, r.userId);
    const waitMs = waitFor(deps, r.critical);
    return sendPage(
      deps,
      req,
      reply,
      title,
      (c) =>
        RecoveryProofsPage(c, {
          ...extra,
          request: r,
          username: user?.username ?? "",
          knownBrowser: seen.knownBrowser,
          openSession: seen.openSessionId !== null,
          waitDays: Math.round(waitMs / 86_400_000),
        }),
      status,
    );
  };
  const noRequest = async (req: FastifyRequest, reply: FastifyReply) => {
    const claim = browserClaimOf(req);
    const moved = claim
      ? await requestForBrowser(deps, claim.requestId, claim.binding).then(
          () => false,
          (e: unknown) => isAppError(e) && e.code === "REQUEST_MOVED",
        )
      : false;
    const message = moved
      ? recoveryErrors.REQUEST_MOVED().message
      : "This browser has no recovery in progress. Open the link from the recovery email here, or start again.";
    return sendPage(deps, req, reply, title, (c) => NoRecoveryHerePage(c, { message }), 403);
  };

  app.get("/account/recovery/proofs", async (req, reply) => {
    const r = await browserRequest(req);
    return r ? proofsPage(req, reply, r) : noRequest(req, reply);
  });
  app.post("/account/recovery/proofs", async (req, reply) => {
    const r = await browserRequest(req);
    if (!r) return noRequest(req, reply);
    const form = readForm(req, ["api_token"]);
    try {
      const claim = { requestId: r.id, binding: browserClaimOf(req)?.binding ?? null };
      await submitProofs(deps, requestContext(req), claim, await observe(req, r.userId), form.api_token);
      return reply.redirect("/account/recovery/proofs", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      const fresh = (await browserRequest(req)) ?? r;
      return proofsPage(req, reply, fresh, state, status);
    }
  });

  app.get("/account/recovery/cancel", async (req, reply) => {
    const token = queryParam(req, "token");
    const request = await requestOfCancelLink(deps, token);
    return sendPage(deps, req, reply, "Cancel account recovery", (c) =>
      CancelByLinkPage(c, { token, request }),
    );
  });
  app.post("/account/recovery/cancel", async (req, reply) => {
    const form = readForm(req, ["token"]);
    try {
      await cancelByLink(deps, requestContext(req), form.token);
      return sendPage(deps, req, reply, "Cancel account recovery", (c) =>
        CancelByLinkPage(c, { token: "", request: null, done: true }),
      );
    } catch (e) {
      return failPage(req, reply, e);
    }
  });

  app.get("/account/recovery/open", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const request = await openRequestOf(deps.db, auth.user.id);
    return sendPage(deps, req, reply, "Account recovery", (c) => OpenRecoveryPage(c, { request }));
  });
  app.post("/account/recovery/open/cancel", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const form = readForm(req, ["request"]);
    try {
      await cancelAsOwner(deps, requestContext(req), form.request, auth.session);
      setFlash(deps, reply, {
        kind: "success",
        message: "The recovery request was cancelled. Change your password now.",
      });
      return reply.redirect("/account/", 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const request = await openRequestOf(deps.db, auth.user.id);
      return sendPage(
        deps,
        req,
        reply,
        "Account recovery",
        (c) => OpenRecoveryPage(c, { request, error: e.message }),
        e.status,
      );
    }
  });

  const stopTitle = "Stop a recovery of your account";
  /** The open request this browser may stop: from the mailed stop link, or the one it started. */
  const stopRequest = async (req: FastifyRequest): Promise<RecoveryRequest | null> => {
    const token = queryParam(req, "token");
    if (token) return openRequestOfStopLink(deps, token);
    const r = await browserRequest(req);
    return r && OPEN_STATES.includes(r.state) ? r : null;
  };
  app.get("/account/recovery/stop", async (req, reply) => {
    if (queryParam(req, "done") === "1")
      return sendPage(deps, req, reply, "Recovery stopped", (c) =>
        StopRecoveryPage(c, { login: "", done: true }),
      );
    const r = await stopRequest(req);
    const user = r ? await getUser(deps.db, r.userId) : null;
    if (!r || !user) {
      reply.clearCookie(stopCookieName(deps), { path: "/" });
      return sendPage(
        deps,
        req,
        reply,
        stopTitle,
        (c) => StopRecoveryPage(c, { login: "", error: recoveryErrors.STOP_NEEDS_LINK().message }),
        403,
      );
    }
    // The code form and the key button (webauthn.ts) act on the account this cookie names, for 15 min.
    reply.setCookie(stopCookieName(deps), deps.keys.seal("recovery-stop", user.id), cookieOptions(deps, 900));
    return sendPage(deps, req, reply, stopTitle, (c) => StopRecoveryPage(c, { login: user.username }));
  });
  app.post("/account/recovery/stop", async (req, reply) => {
    const form = readForm(req, ["login", "code"]);
    const raw = req.cookies[stopCookieName(deps)];
    const userId = raw ? deps.keys.unseal("recovery-stop", raw) : null;
    try {
      // Fail closed: no stop link or recovery cookie in this browser, no code is checked at all.
      if (!userId || userId === "-") throw recoveryErrors.STOP_NEEDS_LINK();
      await stopWithCode(deps, requestContext(req), userId, form.code);
      return reply.redirect("/account/recovery/stop?done=1", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { login: form.login });
      return sendPage(
        deps,
        req,
        reply,
        stopTitle,
        (c) => StopRecoveryPage(c, { ...state, login: userId && userId !== "-" ? form.login : "" }),
        status,
      );
    }
  });
}
