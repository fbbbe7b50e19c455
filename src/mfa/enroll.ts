import { inSudo, type RequestContext, type Session, type User } from "../accounts/index.js";
import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import * as mails from "../notify/templates/mfa.js";
import { mfaErrors } from "./errors.js";
import { factorSummary } from "./factors.js";
import { type MfaDeps, mfaEvent } from "./notify.js";
import { generateRecoveryCodes } from "./recovery-codes.js";
import { getTotp, matchStep, newTotpSecret, otpauthUri, storeTotp } from "./totp.js";
import { lockUser } from "./webauthn-common.js";

export interface TotpEnrollment {
  secret: string;
  /** The secret encrypted for the form's hidden field: the server keeps nothing until confirmed. */
  sealed: string;
  uri: string;
  qrSvg: string;
}

export function requireSudo(deps: MfaDeps, session: Session): void {
  if (!inSudo(session, deps.clock.now())) throw mfaErrors.SUDO_REQUIRED();
}

const ENROLL_TTL = 30 * 60_000;

async function enrollment(
  deps: MfaDeps,
  user: User,
  secret: string,
  startedAt: number,
): Promise<TotpEnrollment> {
  const uri = otpauthUri(secret, deps.config.siteName, user.username);
  const sealed = deps.keys.encrypt(`${startedAt}:${secret}`, `totp-enroll:${user.id}`);
  return {
    secret,
    sealed,
    uri,
    // qrcode (and its PNG encoder) is imported by the first enrolment, not at start-up (issue 15).
    qrSvg: await (await import("qrcode")).default.toString(uri, {
      type: "svg",
      errorCorrectionLevel: "M",
      margin: 2,
    }),
  };
}

export function beginTotpEnrollment(deps: MfaDeps, user: User): Promise<TotpEnrollment> {
  return enrollment(deps, user, newTotpSecret(), deps.clock.now());
}

function unsealEnrollment(deps: MfaDeps, user: User, sealed: string): { secret: string; startedAt: number } {
  try {
    const [startedAt, secret] = deps.keys.decrypt(sealed, `totp-enroll:${user.id}`).split(":");
    if (!secret || deps.clock.now() - Number(startedAt) > ENROLL_TTL) throw new Error("expired");
    return { secret, startedAt: Number(startedAt) };
  } catch {
    throw mfaErrors.ENROLLMENT_EXPIRED();
  }
}

/** After a mistyped code: the same secret again (the person already scanned it), or a new one if expired. */
export async function resumeTotpEnrollment(
  deps: MfaDeps,
  user: User,
  sealed: string,
): Promise<TotpEnrollment> {
  try {
    const { secret, startedAt } = unsealEnrollment(deps, user, sealed);
    return enrollment(deps, user, secret, startedAt);
  } catch {
    return beginTotpEnrollment(deps, user);
  }
}

/**
 * Shared by every enrollment (TOTP here, security keys in webauthn.ts): the first factor starts the
 * checkup clock and generates recovery codes, returned so the page can show them once.
 */
export async function onFactorAdded(
  deps: MfaDeps,
  tx: Tx,
  user: User,
  ctx: RequestContext,
  wasEnrolled: boolean,
): Promise<string[] | null> {
  if (wasEnrolled) return null;
  const now = deps.clock.now();
  // The first factor also ends the "enroll before anything else" state a completed recovery leaves.
  await tx
    .updateTable("users")
    .set({ mfa_enrolled_at: now, mfa_checkup_at: null, mfa_required_at: null })
    .where("id", "=", user.id)
    .execute();
  const codes = await generateRecoveryCodes(tx, now, user.id);
  await mfaEvent(tx, now, ctx, user, "mfa.recovery_codes_generated", {
    count: codes.length,
    reason: "first factor",
  });
  return codes;
}

/** Enables TOTP only after a correct code, proving the app holds the secret (and its clock is right). */
export async function confirmTotpEnrollment(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  sealed: string,
  code: string,
): Promise<string[] | null> {
  requireSudo(deps, session);
  const { secret } = unsealEnrollment(deps, user, sealed);
  const step = matchStep(secret, code, deps.clock.now());
  const now = deps.clock.now();
  const codes = await transaction(deps.db, async (tx) => {
    // Serialise with a key enrolled at the same moment: only one of them is the "first" factor.
    await lockUser(tx, user.id);
    const wasEnrolled = (await factorSummary(tx, user.id)).enrolled;
    if (await getTotp(tx, user.id)) throw mfaErrors.TOTP_EXISTS();
    await storeTotp(tx, deps.keys, now, user.id, secret, step);
    const codes = await onFactorAdded(deps, tx, user, ctx, wasEnrolled);
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.totp_added",
      {},
      {
        template: mails.totpAdded,
        vars: { username: user.username, codes: Boolean(codes) },
      },
    );
    return codes;
  });
  return codes;
}

/** Removing the last factor also voids the recovery codes (they only back up a factor). */
export async function afterFactorRemoved(tx: DbExecutor, userId: string): Promise<void> {
  if ((await factorSummary(tx, userId)).enrolled) return;
  await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await tx
    .updateTable("users")
    .set({ mfa_enrolled_at: null, mfa_checkup_at: null })
    .where("id", "=", userId)
    .execute();
}

export async function removeTotp(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
): Promise<void> {
  requireSudo(deps, session);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const r = await tx.deleteFrom("totp_credentials").where("user_id", "=", user.id).executeTakeFirst();
    if (r.numDeletedRows !== 1n) throw mfaErrors.TOTP_MISSING();
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.totp_removed",
      {},
      {
        template: mails.totpRemoved,
        vars: { username: user.username },
      },
    );
    await afterFactorRemoved(tx, user.id);
  });
}

export async function removeKey(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  keyId: string,
): Promise<void> {
  requireSudo(deps, session);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const key = await tx
      .selectFrom("webauthn_credentials")
      .select(["label", "is_passkey"])
      .where("id", "=", keyId)
      .where("user_id", "=", user.id)
      .executeTakeFirst();
    if (!key) throw mfaErrors.KEY_NOT_FOUND();
    await tx.deleteFrom("webauthn_credentials").where("id", "=", keyId).execute();
    const kind = key.is_passkey === 1 ? ("passkey" as const) : ("security-key" as const);
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.key_removed",
      { label: key.label, kind },
      { template: mails.keyRemoved, vars: { username: user.username, kind, label: key.label } },
    );
    await afterFactorRemoved(tx, user.id);
  });
}

export async function regenerateRecoveryCodes(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
): Promise<string[]> {
  requireSudo(deps, session);
  if (!(await factorSummary(deps.db, user.id)).enrolled) throw mfaErrors.NO_FACTORS();
  const now = deps.clock.now();
  const codes = await transaction(deps.db, async (tx) => {
    const codes = await generateRecoveryCodes(tx, now, user.id);
    await mfaEvent(
      tx,
      now,
      ctx,
      user,
      "mfa.recovery_codes_generated",
      { count: codes.length },
      { template: mails.recoveryCodesRegenerated, vars: { username: user.username } },
    );
    await tx.updateTable("users").set({ mfa_checkup_at: now }).where("id", "=", user.id).execute();
    return codes;
  });
  return codes;
}

export async function completeCheckup(deps: MfaDeps, ctx: RequestContext, user: User): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await tx.updateTable("users").set({ mfa_checkup_at: now }).where("id", "=", user.id).execute();
    await mfaEvent(tx, now, ctx, user, "mfa.checkup");
  });
}
