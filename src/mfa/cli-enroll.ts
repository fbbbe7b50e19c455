import type { RequestContext, User } from "../accounts/index.js";
import { transaction } from "../db/index.js";
import * as mails from "../notify/templates/mfa.js";
import { afterFactorRemoved, onFactorAdded } from "./enroll.js";
import { mfaErrors } from "./errors.js";
import { factorSummary } from "./factors.js";
import { type MfaDeps, mfaEvent } from "./notify.js";
import { getTotp, matchStep, newTotpSecret, otpauthUri, storeTotp } from "./totp.js";

/**
 * TOTP enrollment for a client that keeps no state between its two requests (`npm profile
 * enable-2fa`: first the password, then one code). The web keeps the pending secret in the form; here
 * it is kept sealed on the user row until confirmed, cancelled, or 30 minutes old. The caller has
 * already checked the password (and a second factor, when one is enrolled); the TOTP, recovery
 * codes, events and mails are the web's own.
 */
const PENDING_TTL = 30 * 60_000;
const aad = (userId: string) => `totp-pending:${userId}`;

export async function beginCliTotpEnrollment(deps: MfaDeps, user: User): Promise<string> {
  if (await getTotp(deps.db, user.id)) throw mfaErrors.TOTP_EXISTS();
  const secret = newTotpSecret();
  const sealed = deps.keys.encrypt(`${deps.clock.now()}:${secret}`, aad(user.id));
  await deps.db.updateTable("users").set({ totp_pending: sealed }).where("id", "=", user.id).execute();
  return otpauthUri(secret, deps.config.siteName, user.username);
}

/** The pending secret, or null when there is none or it expired. */
async function pendingSecret(deps: MfaDeps, userId: string): Promise<string | null> {
  const row = await deps.db
    .selectFrom("users")
    .select("totp_pending")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row?.totp_pending) return null;
  try {
    const [startedAt, secret] = deps.keys.decrypt(row.totp_pending, aad(userId)).split(":");
    return secret && deps.clock.now() - Number(startedAt) <= PENDING_TTL ? secret : null;
  } catch {
    return null;
  }
}

export async function hasPendingTotp(deps: MfaDeps, userId: string): Promise<boolean> {
  return (await pendingSecret(deps, userId)) !== null;
}

export async function cancelCliTotpEnrollment(deps: MfaDeps, userId: string): Promise<void> {
  await deps.db.updateTable("users").set({ totp_pending: null }).where("id", "=", userId).execute();
}

/**
 * Enables the pending TOTP after one correct code. Returns the new recovery codes when this is the
 * first factor, or null when the account already had factors (and so already has codes).
 */
export async function confirmCliTotpEnrollment(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  code: string,
): Promise<string[] | null> {
  const secret = await pendingSecret(deps, user.id);
  if (!secret) throw mfaErrors.ENROLLMENT_EXPIRED("No two-factor setup is pending. Start again.");
  const now = deps.clock.now();
  const step = matchStep(secret, code, now);
  const wasEnrolled = (await factorSummary(deps.db, user.id)).enrolled;
  const codes = await transaction(deps.db, async (tx) => {
    if (await getTotp(tx, user.id)) throw mfaErrors.TOTP_EXISTS();
    await storeTotp(tx, deps.keys, now, user.id, secret, step);
    await tx.updateTable("users").set({ totp_pending: null }).where("id", "=", user.id).execute();
    const codes = await onFactorAdded(deps, tx, user, ctx, wasEnrolled);
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.totp_added",
      { via: "npm profile enable-2fa" },
      {
        template: mails.totpAdded,
        vars: { username: user.username, codes: Boolean(codes), fromCli: true },
      },
    );
    return codes;
  });
  return codes;
}

/**
 * Removes the authenticator app for a caller that re-authenticated with password and second factor
 * in the same request (`npm profile disable-2fa`). Security keys stay: they are managed on the web.
 */
export async function removeTotpReauthenticated(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const r = await tx.deleteFrom("totp_credentials").where("user_id", "=", user.id).executeTakeFirst();
    if (r.numDeletedRows !== 1n) throw mfaErrors.TOTP_MISSING();
    await tx.updateTable("users").set({ totp_pending: null }).where("id", "=", user.id).execute();
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.totp_removed",
      { via: "npm profile disable-2fa" },
      { template: mails.totpRemoved, vars: { username: user.username, fromCli: true } },
    );
    await afterFactorRemoved(tx, user.id);
  });
}
