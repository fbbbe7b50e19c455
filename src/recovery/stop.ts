import { getUser, type RequestContext } from "../accounts/index.js";
import { recordEvent } from "../events/index.js";
import { isAppError } from "../lib/errors.js";
import { spendRecoveryCode, verifyTotp } from "../mfa/index.js";
import { stopWithFactor } from "./cancel.js";
import type { RecoveryDeps } from "./context.js";
import { recoveryErrors } from "./errors.js";
import { getRequest, OPEN_STATES, openRequestOf, type RecoveryRequest } from "./store.js";

/*
 * Stopping a recovery with a code and no password (/account/recovery/stop). It used to take a username
 * alone and run the codes through the sign-in checker: five wrong codes from a stranger locked the
 * owner's authenticator and recovery-code sign-in (and npm --otp) and mailed them a scare (issue 11
 * MEDIUM 7). Now a code is checked only for an open request, from a browser holding its stop link or
 * its recovery cookie, and attempts count per IP — never in the account's lockout. A successful
 * guess gains nothing: it only cancels the request.
 */

function isOpen(r: RecoveryRequest | null): r is RecoveryRequest {
  return r !== null && OPEN_STATES.includes(r.state);
}

/** The open request a stop link names, or null for a forged, edited or finished one. */
export async function openRequestOfStopLink(
  deps: RecoveryDeps,
  token: string,
): Promise<RecoveryRequest | null> {
  const id = token ? deps.keys.unseal("recovery-stop-link", token) : null;
  const r = id ? await getRequest(deps.db, id) : null;
  return isOpen(r) ? r : null;
}

/**
 * Checks an authenticator or recovery code of the account whose open request this browser was given,
 * and cancels that request. Attempts are spent before checking (atomic, so a parallel burst cannot
 * outrun the count).
 */
export async function stopWithCode(
  deps: RecoveryDeps,
  ctx: RequestContext,
  userId: string,
  rawCode: string,
): Promise<void> {
  const r = await openRequestOf(deps.db, userId);
  if (!r)
    throw recoveryErrors.REQUEST_CLOSED(
      "There is no open recovery request for this account: nothing to stop.",
    );
  await deps.limits.consume("recoveryStopIp", ctx.ip);
  const code = rawCode.replace(/\s+/g, "");
  const user = await getUser(deps.db, userId);
  if (!user || !code) throw recoveryErrors.STOP_CODE_INVALID();
  const now = deps.clock.now();
  let method: string;
  try {
    if (/^\d{6}$/.test(code)) {
      await verifyTotp(deps.db, deps.keys, now, user.id, code);
      method = "totp";
    } else {
      if (!(await spendRecoveryCode(deps.db, now, user.id, code))) throw recoveryErrors.STOP_CODE_INVALID();
      method = "recovery_code";
    }
  } catch (e) {
    if (!isAppError(e) || e.status >= 500) throw e;
    await recordEvent(deps.db, now, ctx, {
      type: "recovery.stop_refused",
      userId: user.id,
      data: { request: r.id },
    });
    throw recoveryErrors.STOP_CODE_INVALID(e.code === "STOP_CODE_INVALID" ? undefined : e.message);
  }
  if (!(await stopWithFactor(deps, ctx, user.id, method)))
    throw recoveryErrors.REQUEST_CLOSED(
      "There is no open recovery request for this account: nothing to stop.",
    );
}
