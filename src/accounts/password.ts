import { transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { isAppError, reraise } from "../lib/errors.js";
import { afterResponse, isAbandoned } from "../mail/index.js";
import * as mails from "../notify/templates/accounts.js";
import { type AccountDeps, link, type RequestContext, sendAccessMail } from "./context.js";
import { issueLinkToken, peekLinkToken, spendLinkToken, voidLinkTokens } from "./email-links.js";
import { accountErrors } from "./errors.js";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "./passwords.js";
import { checkNotBreached } from "./pwned.js";
import { revokeAllSessions, type Session } from "./sessions.js";
import { canonicalEmail, canonicalUsername } from "./usernames.js";
import { findForLogin, getPasswordHash, getUser, type User } from "./users.js";

/** Changes the password of a signed-in user, who must know the current one; other sessions end. */
export async function changePassword(
  deps: AccountDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  if (!(await verifyPassword(await getPasswordHash(deps.db, user.id), currentPassword)))
    throw accountErrors.PASSWORD_WRONG();
  try {
    checkPasswordPolicy(newPassword, user);
    await checkNotBreached(deps, newPassword);
  } catch (e) {
    // Same rule, but on this form the new password's field is called new_password.
    throw isAppError(e)
      ? reraise({ status: e.status, code: e.code, message: e.message, field: "new_password" })
      : e;
  }
  const now = deps.clock.now();
  const hash = await hashPassword(newPassword);
  await transaction(deps.db, async (tx) => {
    await tx
      .updateTable("users")
      .set({ password_hash: hash, password_changed_at: now })
      .where("id", "=", user.id)
      .execute();
    const ended = await revokeAllSessions(tx, now, user.id, session.idHash);
    await recordEvent(tx, now, ctx, {
      type: "password.changed",
      userId: user.id,
      data: { sessionsEnded: ended },
      notify: {
        to: user.email,
        template: mails.passwordChanged,
        vars: { username: user.username, how: "changed" },
      },
    });
  });
}

/**
 * Always answers the same way, in the same time, whether or not the account exists (no enumeration):
 * the rate limits are the only work before the answer (they key on what was typed, never on the
 * lookup); the lookup, the token and the mail run after it (issue 11 MEDIUM 12). Limited per IP and
 * per account so the form cannot flood someone's mailbox.
 */
export async function requestPasswordReset(
  deps: AccountDeps,
  ctx: RequestContext,
  login: string,
): Promise<void> {
  await deps.limits.consume("resetIp", ctx.ip);
  const key = login.includes("@") ? canonicalEmail(login) : canonicalUsername(login);
  await deps.limits.consume("resetUser", key);
  afterResponse(deps.log, "password reset mail", () => mailResetLink(deps, ctx, login));
}

async function mailResetLink(deps: AccountDeps, ctx: RequestContext, login: string): Promise<void> {
  const user = await findForLogin(deps.db, login);
  if (!user || user.isFrozen) return;
  const now = deps.clock.now();
  const token = await transaction(deps.db, async (tx) => {
    await voidLinkTokens(tx, now, user.id, "reset_password");
    await recordEvent(tx, now, ctx, { type: "password.reset_requested", userId: user.id });
    return issueLinkToken(tx, deps.keys, now, user.id, "reset_password", user.email);
  });
  await sendAccessMail(deps, ctx, user.id, "reset_password", user.email, mails.resetPassword, {
    username: user.username,
    link: link(deps, "/account/reset-password", token),
  });
}

/** The user the reset link belongs to, for the reset form (does not spend the link). */
export async function checkResetToken(deps: AccountDeps, token: string): Promise<User> {
  const row = await peekLinkToken(deps.db, deps.keys, deps.clock.now(), "reset_password", token);
  const user = await getUser(deps.db, row.userId);
  // A link mailed before its domain was marked abandoned may sit in the new domain owner's mailbox.
  if (!user || (await isAbandoned(deps.db, row.email))) throw accountErrors.LINK_INVALID();
  return user;
}

/**
 * Spends the link and sets the password; every session ends, since whoever held the old password may
 * still be signed in. The link proves control of the address, so an unverified address becomes verified.
 */
export async function resetPassword(
  deps: AccountDeps,
  ctx: RequestContext,
  token: string,
  newPassword: string,
): Promise<User> {
  const user = await checkResetToken(deps, token);
  checkPasswordPolicy(newPassword, user);
  await checkNotBreached(deps, newPassword);
  const hash = await hashPassword(newPassword);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const row = await spendLinkToken(tx, deps.keys, now, "reset_password", token);
    const verified = row.email === user.email ? now : undefined;
    await tx
      .updateTable("users")
      .set({
        password_hash: hash,
        password_changed_at: now,
        ...(verified && !user.emailVerified ? { email_verified_at: verified } : {}),
      })
      .where("id", "=", user.id)
      .execute();
    const ended = await revokeAllSessions(tx, now, user.id);
    await recordEvent(tx, now, ctx, {
      type: "password.reset",
      userId: user.id,
      data: { sessionsEnded: ended },
      notify: {
        to: user.email,
        template: mails.passwordChanged,
        vars: { username: user.username, how: "reset" },
      },
    });
  });
  return user;
}
