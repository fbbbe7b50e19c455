import { transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import type { Template } from "../notify/index.js";
import { type AccountDeps, type RequestContext, sessionPolicy } from "./context.js";
import { accountErrors } from "./errors.js";
import { burnPasswordCheck, verifyPassword } from "./passwords.js";
import { type AuthProof, createSession, enterSudo, revokeSessionByCookie, type Session } from "./sessions.js";
import { canonicalEmail, canonicalUsername } from "./usernames.js";
import { findForLogin, getPasswordHash, type User } from "./users.js";

export interface LoginResult {
  user: User;
  cookie: string;
  session: Session;
}

/**
 * Password login. Both the account and the IP have a budget of 10 failures per 5 minutes, shared
 * across instances through Redis; the generic failure message does not say whether the account exists.
 * A previous session cookie on this browser is revoked: the id always changes at login (fixation).
 */
export async function loginWithPassword(
  deps: AccountDeps,
  ctx: RequestContext,
  login: string,
  password: string,
  previousCookie?: string,
): Promise<LoginResult> {
  const user = await checkPasswordLogin(deps, ctx, login, password);
  return startSession(deps, ctx, user, "password", previousCookie);
}

/**
 * The password step alone: the user if the password is right (rate-limited, failures recorded), for
 * callers that decide what comes next (the MFA feature's second step).
 */
export async function checkPasswordLogin(
  deps: AccountDeps,
  ctx: RequestContext,
  login: string,
  password: string,
): Promise<User> {
  // Points are spent before any work (lookup, argon2) and given back on success: a parallel burst
  // cannot slip past a count that is only raised after each slow failure (issue 11, item 6).
  const attempt = await deps.limits.attempt([["loginIp", ctx.ip]]);
  const candidate = await findForLogin(deps.db, login);
  // The account budget is keyed by the account, not by what was typed, so "alice" and her email
  // share one budget; unknown names get a budget of their own so probing them costs the same.
  const accountKey =
    candidate?.id ?? (login.includes("@") ? canonicalEmail(login) : canonicalUsername(login));
  await attempt.add("loginUser", accountKey);
  const now = deps.clock.now();
  const fail = async (reason: string) => {
    if (candidate)
      await recordEvent(deps.db, now, ctx, { type: "login.failure", userId: candidate.id, data: { reason } });
  };
  if (!candidate) {
    await burnPasswordCheck(password);
    await fail("unknown");
    throw accountErrors.LOGIN_FAILED();
  }
  if (!(await verifyPassword(candidate.passwordHash, password))) {
    await fail("password");
    throw accountErrors.LOGIN_FAILED();
  }
  if (candidate.isFrozen) {
    await fail("frozen");
    throw accountErrors.ACCOUNT_FROZEN();
  }
  // Only failures are counted: the real owner signing in is never charged for it.
  await attempt.refund();
  const { passwordHash: _, ...user } = candidate;
  return user;
}

/**
 * Opens a session for a user who just proved who they are (a password now; a second factor or passkey
 * once the MFA feature adds them; or registration a moment ago). The id always changes here: fixation.
 */
export async function startSession<V>(
  deps: AccountDeps,
  ctx: RequestContext,
  user: User,
  method: string | AuthProof,
  previousCookie?: string,
  /** A mail to the owner about this sign-in, queued with its event (a new browser, mfa/login.ts). */
  mail?: { template: Template<V>; vars: V },
): Promise<LoginResult> {
  const proof: AuthProof = typeof method === "string" ? { method, phishingResistant: false } : method;
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    if (previousCookie) await revokeSessionByCookie(tx, now, previousCookie);
    const { cookie, session } = await createSession(tx, now, sessionPolicy(deps), user.id, ctx, {
      sudo: true,
      proof,
    });
    await recordEvent(tx, now, ctx, {
      type: "login.success",
      userId: user.id,
      data: { method: proof.method, phishingResistant: proof.phishingResistant },
      notify: mail && { to: user.email, ...mail },
    });
    return { user, cookie, session };
  });
}

export async function logout(
  deps: AccountDeps,
  ctx: RequestContext,
  userId: string,
  cookie: string,
): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await revokeSessionByCookie(tx, now, cookie);
    await recordEvent(tx, now, ctx, { type: "logout", userId });
  });
}

/** Re-authentication for sensitive actions: the password again opens a 15-minute sudo window. */
export async function confirmSudo(
  deps: AccountDeps,
  ctx: RequestContext,
  session: Session,
  password: string,
): Promise<void> {
  await deps.limits.consume("sudoUser", session.userId);
  const now = deps.clock.now();
  if (!(await verifyPassword(await getPasswordHash(deps.db, session.userId), password))) {
    await recordEvent(deps.db, now, ctx, {
      type: "login.failure",
      userId: session.userId,
      data: { reason: "sudo" },
    });
    throw accountErrors.LOGIN_FAILED("The password is not correct.");
  }
  await transaction(deps.db, async (tx) => {
    await enterSudo(tx, now, session);
    await recordEvent(tx, now, ctx, { type: "sudo.entered", userId: session.userId });
  });
}

/** True if `password` is the user's current password (no limits, no events: callers add those). */
export async function verifyAccountPassword(
  deps: Pick<AccountDeps, "db">,
  userId: string,
  password: string,
): Promise<boolean> {
  return verifyPassword(await getPasswordHash(deps.db, userId), password);
}
