import type { FastifyInstance } from "fastify";
import {
  checkPasswordPolicy,
  checkResetToken,
  confirmEmailChange,
  logout,
  registerOrTellOwner,
  requestPasswordReset,
  resetPassword,
  startSession,
  validateEmail,
  validateUsername,
  verifyEmail,
} from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { cookieNames, cookieOptions, safeNext, sendPage, setFlash } from "../context.js";
import { checkFields, formFailure, readForm, requestContext, required } from "../forms.js";
import { markSeen } from "../login-state.js";
import {
  ConfirmLinkPage,
  ForgotPasswordPage,
  LoginPage,
  RegisterPage,
  ResetPasswordPage,
} from "../pages/auth.js";
import { afterSignUp, PROTECT } from "./protect.js";

/** Signed-out pages: register, sign in/out, verify email, forgot/reset password, sudo. */
export function registerAuthRoutes(app: FastifyInstance, deps: Deps): void {
  const names = cookieNames(deps.config.secureCookies);
  const closed = deps.config.registration === "closed";
  const setSessionCookie = (reply: import("fastify").FastifyReply, cookie: string) =>
    reply.setCookie(names.session, cookie, cookieOptions(deps, Math.floor(deps.config.sessionMaxMs / 1000)));

  app.get("/account/register", (req, reply) =>
    sendPage(deps, req, reply, "Create an account", (c) => RegisterPage(c, { closed })),
  );
  app.post("/account/register", async (req, reply) => {
    const form = readForm(req, ["username", "email", "password"]);
    const ctx = requestContext(req);
    try {
      if (!closed)
        checkFields({
          username: () => validateUsername(form.username),
          email: () => validateEmail(form.email),
          password: () => checkPasswordPolicy(form.password, form),
        });
      const user = await registerOrTellOwner(deps, ctx, form);
      if (!user) {
        // The address belongs to someone else, who gets a mail instead; this page must not say so
        // (issue 11 MEDIUM 12), so it gives the same next step as a new account: check your mail.
        setFlash(deps, reply, {
          kind: "success",
          message: `We sent a message to ${form.email.trim()}. Follow it to continue.`,
        });
        return reply.redirect("/account/", 303);
      }
      const { cookie } = await startSession(deps, ctx, user, "registration", req.auth?.cookie);
      setSessionCookie(reply, cookie);
      markSeen(deps, req, reply, user.id);
      setFlash(deps, reply, {
        kind: "success",
        message: `Welcome, ${user.username}. We sent a verification link to ${user.email}.`,
      });
      // The sign-up opened a sudo window: adding a second factor right now is one click away.
      return reply.redirect(PROTECT, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return sendPage(
        deps,
        req,
        reply,
        "Create an account",
        (c) => RegisterPage(c, { ...state, closed }),
        status,
      );
    }
  });

  app.get("/account/login", (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (req.auth) return reply.redirect(next, 303);
    return sendPage(deps, req, reply, "Sign in", (c) => LoginPage(c, { next }));
  });
  app.post("/account/logout", async (req, reply) => {
    if (req.auth) await logout(deps, requestContext(req), req.auth.user.id, req.auth.cookie);
    reply.clearCookie(names.session, { path: "/" });
    setFlash(deps, reply, { kind: "info", message: "You are signed out." });
    return reply.redirect("/", 303);
  });

  app.get("/account/forgot-password", (req, reply) =>
    sendPage(deps, req, reply, "Reset your password", (c) => ForgotPasswordPage(c, {})),
  );
  app.post("/account/forgot-password", async (req, reply) => {
    const form = readForm(req, ["login"]);
    try {
      checkFields({ login: required(form.login, "Enter your username or email address.") });
      await requestPasswordReset(deps, requestContext(req), form.login);
      return sendPage(deps, req, reply, "Reset your password", (c) => ForgotPasswordPage(c, { sent: true }));
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return sendPage(deps, req, reply, "Reset your password", (c) => ForgotPasswordPage(c, state), status);
    }
  });

  app.get("/account/reset-password", async (req, reply) => {
    const token = String((req.query as Record<string, unknown>).token ?? "");
    try {
      const user = await checkResetToken(deps, token);
      return sendPage(deps, req, reply, "Choose a new password", (c) =>
        ResetPasswordPage(c, { token, username: user.username }),
      );
    } catch (e) {
      const { state, status } = formFailure(e, reply, {});
      return sendPage(
        deps,
        req,
        reply,
        "Choose a new password",
        (c) => ResetPasswordPage(c, { ...state, token }),
        status,
      );
    }
  });
  app.post("/account/reset-password", async (req, reply) => {
    const form = readForm(req, ["token", "password"]);
    try {
      // A dead link is said first (a new password cannot help); then the password, by the same rule.
      const owner = await checkResetToken(deps, form.token);
      checkFields({ password: () => checkPasswordPolicy(form.password, owner) });
      await resetPassword(deps, requestContext(req), form.token, form.password);
      reply.clearCookie(names.session, { path: "/" });
      setFlash(deps, reply, {
        kind: "success",
        message: "Your password was reset. Sign in with the new one.",
      });
      return reply.redirect("/account/login", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      const username = state.errors
        ? (await checkResetToken(deps, form.token).catch(() => null))?.username
        : undefined;
      return sendPage(
        deps,
        req,
        reply,
        "Choose a new password",
        (c) => ResetPasswordPage(c, { ...state, token: form.token, username }),
        status,
      );
    }
  });

  // Email links: GET shows a confirmation button, POST spends the token (see ConfirmLinkPage).
  const linkPages = [
    {
      path: "/account/verify-email",
      title: "Verify your email address",
      button: "Verify email address",
      text: "Confirm that this email address belongs to you.",
      act: verifyEmail,
      done: "Your email address is verified.",
      // A new account's next step is a second factor (the "protect your account" page).
      protectNext: true,
    },
    {
      path: "/account/confirm-email",
      title: "Confirm your new email address",
      button: "Use this address",
      text: "Make this the email address of your account.",
      act: confirmEmailChange,
      done: "Your email address was changed.",
      protectNext: false,
    },
  ];
  for (const p of linkPages) {
    app.get(p.path, (req, reply) => {
      const token = String((req.query as Record<string, unknown>).token ?? "");
      return sendPage(deps, req, reply, p.title, (c) => ConfirmLinkPage(c, { ...p, action: p.path, token }));
    });
    app.post(p.path, async (req, reply) => {
      const form = readForm(req, ["token"]);
      try {
        await p.act(deps, requestContext(req), form.token);
        setFlash(deps, reply, { kind: "success", message: p.done });
        if (!req.auth) return reply.redirect("/account/login", 303);
        return reply.redirect(p.protectNext ? await afterSignUp(deps, req.auth.user.id) : "/account/", 303);
      } catch (e) {
        if (!isAppError(e)) throw e;
        return sendPage(
          deps,
          req,
          reply,
          p.title,
          (c) => ConfirmLinkPage(c, { ...p, action: p.path, token: "", error: e.message }),
          e.status,
        );
      }
    });
  }
}
