import type { FastifyReply, FastifyRequest } from "fastify";
import type { LoginResult } from "../accounts/index.js";
import type { Deps } from "../deps.js";
import { REMEMBER_FOR, SECOND_STEP_TTL } from "../mfa/index.js";
import { cookieNames, cookieOptions } from "./context.js";

/** Cookies of the sign-in flow, beside the session cookie (same prefix rules: __Host- on https). */
export function loginCookieNames(secure: boolean) {
  const p = secure ? "__Host-" : "";
  return { step: `${p}wharf_login_step`, remember: `${p}wharf_remember`, seen: `${p}wharf_seen` };
}

export function setSession(deps: Deps, reply: FastifyReply, login: LoginResult): void {
  reply.setCookie(
    cookieNames(deps.config.secureCookies).session,
    login.cookie,
    cookieOptions(deps, Math.floor(deps.config.sessionMaxMs / 1000)),
  );
}

export function setLoginStep(deps: Deps, reply: FastifyReply, token: string): void {
  reply.setCookie(
    loginCookieNames(deps.config.secureCookies).step,
    token,
    cookieOptions(deps, Math.floor(SECOND_STEP_TTL / 1000)),
  );
}

export function loginStep(deps: Deps, req: FastifyRequest): string | undefined {
  return req.cookies[loginCookieNames(deps.config.secureCookies).step];
}

export function rememberCookie(deps: Deps, req: FastifyRequest): string | undefined {
  return req.cookies[loginCookieNames(deps.config.secureCookies).remember];
}

export function setRemember(deps: Deps, reply: FastifyReply, value: string): void {
  reply.setCookie(
    loginCookieNames(deps.config.secureCookies).remember,
    value,
    cookieOptions(deps, Math.floor(REMEMBER_FOR / 1000)),
  );
}

/**
 * Accounts that have completed a sign-in in this browser (signed, so it cannot be forged). A
 * phishable second factor used from a browser not listed here triggers the "new sign-in" email.
 */
export function seenUsers(deps: Deps, req: FastifyRequest): string[] {
  const raw = req.cookies[loginCookieNames(deps.config.secureCookies).seen];
  const payload = raw ? deps.keys.unseal("seen", raw) : null;
  return payload ? payload.split(",").filter(Boolean) : [];
}

export function markSeen(deps: Deps, req: FastifyRequest, reply: FastifyReply, userId: string): void {
  const list = [userId, ...seenUsers(deps, req).filter((u) => u !== userId)].slice(0, 10);
  reply.setCookie(
    loginCookieNames(deps.config.secureCookies).seen,
    deps.keys.seal("seen", list.join(",")),
    cookieOptions(deps, 400 * 86400),
  );
}
