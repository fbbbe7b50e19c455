import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  changePassword,
  checkPasswordPolicy,
  getUser,
  inSudo,
  listSessions,
  requestEmailChange,
  resendVerification,
  revokeAllSessions,
  revokeSession,
} from "../../accounts/index.js";
import { transaction } from "../../db/index.js";
import type { Deps } from "../../deps.js";
import { listUserEvents, recordEvent } from "../../events/index.js";
import { DAY } from "../../lib/clock.js";
import { plural } from "../../lib/plural.js";
import { factorSummary, forgetBrowsers, listRememberedBrowsers } from "../../mfa/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { checkFields, formFailure, readForm, requestContext, required } from "../forms.js";
import { HistoryPage, SessionsPage, SettingsPage } from "../pages/account.js";

/** Signed-in pages: settings (email, password), sessions, security history. */
export function registerAccountRoutes(app: FastifyInstance, deps: Deps): void {
  const policy = { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };

  /** Signed-out visitors go to the login page and come back afterwards. */
  function signedIn(req: FastifyRequest, reply: FastifyReply): WebAuth | null {
    if (req.auth) return req.auth;
    void reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
    return null;
  }

  app.get("/account", (_req, reply) => reply.redirect("/account/", 301));
  app.get("/account/", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const f = await factorSummary(deps.db, auth.user.id);
    return sendPage(deps, req, reply, "Account settings", (c) => SettingsPage(c, { user: auth.user, f }));
  });

  app.post("/account/resend-verification", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    try {
      await resendVerification(deps, requestContext(req), auth.user);
      setFlash(deps, reply, {
        kind: "success",
        message: `We sent a new verification link to ${auth.user.email}.`,
      });
    } catch (e) {
      const { state } = formFailure(e, reply, {});
      setFlash(deps, reply, { kind: "error", message: state.error ?? "The link could not be sent." });
    }
    return reply.redirect("/account/#email", 303);
  });

  app.post("/account/email", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    if (!inSudo(auth.session, deps.clock.now())) {
      setFlash(deps, reply, {
        kind: "info",
        message: "Confirm your password, then enter the new address again.",
      });
      return reply.redirect(`/account/sudo?next=${encodeURIComponent("/account/#email")}`, 303);
    }
    const form = readForm(req, ["email"]);
    try {
      await requestEmailChange(deps, requestContext(req), auth.user, auth.session, form.email);
      setFlash(deps, reply, {
        kind: "success",
        message: `We sent a confirmation link to ${form.email.trim()}. Your address changes when you open it.`,
      });
      return reply.redirect("/account/", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      const f = await factorSummary(deps.db, auth.user.id);
      return sendPage(
        deps,
        req,
        reply,
        "Account settings",
        (c) => SettingsPage(c, { user: auth.user, f, email: state }),
        status,
      );
    }
  });

  app.post("/account/password", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    if (!inSudo(auth.session, deps.clock.now())) {
      setFlash(deps, reply, { kind: "info", message: "Confirm it is you, then change your password." });
      return reply.redirect(`/account/sudo?next=${encodeURIComponent("/account/#password")}`, 303);
    }
    const form = readForm(req, ["current_password", "new_password"]);
    try {
      checkFields({
        current_password: required(form.current_password, "Enter your current password."),
        new_password: () => checkPasswordPolicy(form.new_password, auth.user),
      });
      await changePassword(
        deps,
        requestContext(req),
        auth.user,
        auth.session,
        form.current_password,
        form.new_password,
      );
      setFlash(deps, reply, {
        kind: "success",
        message: "Your password was changed. Other sessions were signed out.",
      });
      return reply.redirect("/account/", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      const user = (await getUser(deps.db, auth.user.id)) ?? auth.user;
      const f = await factorSummary(deps.db, auth.user.id);
      return sendPage(
        deps,
        req,
        reply,
        "Account settings",
        (c) => SettingsPage(c, { user, f, password: state }),
        status,
      );
    }
  });

  app.get("/account/sessions", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const remembered = await listRememberedBrowsers(deps.db, deps.clock.now(), auth.user.id);
    const sessions = await listSessions(deps.db, deps.clock.now(), policy, auth.user.id);
    return sendPage(deps, req, reply, "Sessions", (c) =>
      SessionsPage(c, { sessions, currentId: auth.session.publicId, remembered }),
    );
  });

  app.post("/account/sessions/revoke", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const { session } = readForm(req, ["session"]);
    const now = deps.clock.now();
    const done = await transaction(deps.db, async (tx) => {
      const ok = await revokeSession(tx, now, auth.user.id, session);
      if (ok)
        await recordEvent(tx, now, requestContext(req), {
          type: "session.revoked",
          userId: auth.user.id,
          data: { count: 1 },
        });
      return ok;
    });
    setFlash(
      deps,
      reply,
      done
        ? { kind: "success", message: "That session is signed out." }
        : { kind: "error", message: "That session does not exist or has already ended." },
    );
    return reply.redirect("/account/sessions", 303);
  });

  app.post("/account/sessions/revoke-others", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const now = deps.clock.now();
    const count = await transaction(deps.db, async (tx) => {
      const n = await revokeAllSessions(tx, now, auth.user.id, auth.session.idHash);
      if (n > 0)
        await recordEvent(tx, now, requestContext(req), {
          type: "session.revoked",
          userId: auth.user.id,
          data: { count: n },
        });
      return n;
    });
    setFlash(deps, reply, { kind: "success", message: `${plural(count, "other session")} signed out.` });
    return reply.redirect("/account/sessions", 303);
  });

  app.post<{ Params: { id: string } }>("/account/remembered/:id/forget", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const now = deps.clock.now();
    await transaction(deps.db, async (tx) => {
      if (await forgetBrowsers(tx, now, auth.user.id, req.params.id)) {
        await recordEvent(tx, now, requestContext(req), {
          type: "remembered_browser.revoked",
          userId: auth.user.id,
        });
      }
    });
    setFlash(deps, reply, {
      kind: "success",
      message: "That browser will be asked for a second factor again.",
    });
    return reply.redirect("/account/sessions", 303);
  });

  app.get("/account/security-history", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const events = await listUserEvents(deps.db, auth.user.id, deps.clock.now() - 90 * DAY);
    return sendPage(deps, req, reply, "Security history", (c) => HistoryPage(c, { events }));
  });
}
