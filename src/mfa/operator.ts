import { getUserByUsername, revokeAllSessions } from "../accounts/index.js";
import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import * as mails from "../notify/templates/mfa.js";
import { type FactorSummary, factorSummary } from "./factors.js";
import type { MfaDeps } from "./notify.js";
import { forgetBrowsers } from "./remembered.js";

export async function mfaStatus(
  deps: MfaDeps,
  username: string,
): Promise<{ username: string; factors: FactorSummary } | null> {
  const user = await getUserByUsername(deps.db, username);
  return user ? { username: user.username, factors: await factorSummary(deps.db, user.id) } : null;
}

/**
 * `wharf user reset-mfa`: an operator wipes every factor (after verifying the person out of band, or
 * at the end of a recovery). All sessions and remembered browsers end; the reason is recorded.
 */
export async function resetMfa(
  deps: MfaDeps,
  username: string,
  reason: string,
  actor = "operator",
  /** More rows that must commit with the reset or not at all (the console's audit entry). */
  alsoInTransaction?: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  const user = await getUserByUsername(deps.db, username);
  if (!user) return false;
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await wipeFactors(tx, now, user.id);
    const ended = await revokeAllSessions(tx, now, user.id);
    await recordEvent(
      tx,
      now,
      { ip: actor },
      {
        type: "mfa.reset",
        userId: user.id,
        data: { reason, by: actor, sessionsEnded: ended },
        notify: { to: user.email, template: mails.factorsReset, vars: { username: user.username, reason } },
      },
    );
    if (alsoInTransaction) await alsoInTransaction(tx);
  });
  return true;
}

/**
 * Removes every factor (TOTP, keys and passkeys, recovery codes) and every remembered browser. Used by
 * the operator reset and by a completed account recovery, inside their transaction.
 */
export async function wipeFactors(tx: DbExecutor, now: number, userId: string): Promise<void> {
  await tx.deleteFrom("totp_credentials").where("user_id", "=", userId).execute();
  await tx.deleteFrom("webauthn_credentials").where("user_id", "=", userId).execute();
  await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await tx
    .updateTable("users")
    .set({ mfa_enrolled_at: null, mfa_checkup_at: null, totp_pending: null })
    .where("id", "=", userId)
    .execute();
  await forgetBrowsers(tx, now, userId);
}
