import type { User } from "../accounts/index.js";
import type { EventContext } from "../events/index.js";
import { AppError } from "../lib/errors.js";
import * as mails from "../notify/templates/mfa.js";
import type { LimitName } from "../ratelimit/index.js";
import { mfaErrors } from "./errors.js";
import { type MfaDeps, mfaEvent } from "./notify.js";
import { remainingRecoveryCodes, spendRecoveryCode } from "./recovery-codes.js";
import { verifyTotp } from "./totp.js";

const USER_LIMITS: LimitName[] = ["mfaUser5m", "mfaUserHour", "mfaUserDay"];
const IP_LIMITS: LimitName[] = ["mfaIp5m", "mfaIpHour"];

export type GuessableFactor = { kind: "totp"; code: string } | { kind: "recovery"; code: string };

/**
 * Checks a TOTP or recovery code under the second-factor limits (5/5 min, 20/h, 50/day per user;
 * 10/5 min, 50/h per IP). Only failures are counted, and security keys never pass through here,
 * so someone guessing codes cannot lock the owner out of their key.
 */
export async function checkGuessable(
  deps: MfaDeps,
  ctx: EventContext & { ip: string },
  user: User,
  factor: GuessableFactor,
): Promise<{ method: string }> {
  // Every budget is spent BEFORE the code is checked and given back if it is right: 100 codes sent at
  // once cannot all pass a look at the count before the first failure lands (issue 11, item 6).
  // User budgets first: an IP that is already blocked gives the user's points back.
  const attempt = await deps.limits.attempt([
    ...USER_LIMITS.map((l) => [l, user.id] as const),
    ...IP_LIMITS.map((l) => [l, ctx.ip] as const),
  ]);
  const now = deps.clock.now();
  try {
    if (factor.kind === "totp") {
      await verifyTotp(deps.db, deps.keys, now, user.id, factor.code);
      await attempt.refund();
      return { method: "totp" };
    }
    if (!(await spendRecoveryCode(deps.db, now, user.id, factor.code))) throw mfaErrors.RECOVERY_INVALID();
    await attempt.refund();
    const left = await remainingRecoveryCodes(deps.db, user.id);
    await mfaEvent(
      deps.db,
      now,
      ctx,
      user,
      "mfa.recovery_code_used",
      { remaining: left },
      { template: mails.recoveryCodeUsed, vars: { username: user.username, left } },
    );
    return { method: "recovery_code" };
  } catch (e) {
    if (e instanceof AppError && e.status === 400)
      await recordFailure(deps, ctx, user, factor, e, attempt.exhausted("mfaUser5m"));
    throw e;
  }
}

async function recordFailure(
  deps: MfaDeps,
  ctx: EventContext & { ip: string },
  user: User,
  factor: GuessableFactor,
  e: AppError,
  lastOfBurst: boolean,
): Promise<void> {
  const now = deps.clock.now();
  if (e.code === "CODE_REPLAYED") {
    await mfaEvent(
      deps.db,
      now,
      ctx,
      user,
      "mfa.totp_replay",
      {},
      { template: mails.totpReplayed, vars: { username: user.username }, once: true },
    );
  } else {
    await mfaEvent(deps.db, now, ctx, user, "mfa.failure", { factor: factor.kind });
  }
  // The attempt that spent the last point of the 5-minute budget is a burst: tell the owner once,
  // while it happens (exactly one attempt per window gets that point, however many run at once).
  if (lastOfBurst) {
    await mfaEvent(
      deps.db,
      now,
      ctx,
      user,
      "mfa.failures_burst",
      {},
      { template: mails.failuresBurst, vars: { username: user.username }, once: true },
    );
  }
}
