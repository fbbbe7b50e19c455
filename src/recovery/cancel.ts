import { getUser, type RequestContext, type Session } from "../accounts/index.js";
import { transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import * as mails from "../notify/templates/recovery.js";
import type { RecoveryDeps } from "./context.js";
import { recoveryErrors } from "./errors.js";
import { getRequest, OPEN_STATES, openRequestOf, type RecoveryRequest, transition } from "./store.js";

/** Sessions that passed a second factor (or a passkey) when they were signed in. */
const FACTOR_METHODS = new Set(["totp", "webauthn", "passkey", "recovery_code", "remembered_browser"]);

async function cancel(
  deps: RecoveryDeps,
  ctx: RequestContext,
  r: RecoveryRequest,
  by: string,
  why: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const won = await transition(tx, r.id, OPEN_STATES, {
      state: "cancelled",
      decided_at: now,
      decided_by: by,
      decision_reason: why,
    });
    if (!won) throw recoveryErrors.REQUEST_CLOSED();
    const user = await getUser(tx, r.userId);
    await recordEvent(tx, now, ctx, {
      type: "recovery.cancelled",
      userId: r.userId,
      data: { request: r.id, by, ...extra },
      notify: user
        ? { to: user.email, template: mails.cancelled, vars: { username: user.username, why } }
        : [],
    });
  });
}

/**
 * The owner, signed in with any working factor, cancels. A session that only passed the password
 * cannot: whoever controls the email can also reset the password, and the point of the wait is that
 * only someone holding a factor can stop it.
 */
export async function cancelAsOwner(
  deps: RecoveryDeps,
  ctx: RequestContext,
  requestId: string,
  session: Session,
): Promise<void> {
  const r = await getRequest(deps.db, requestId);
  if (!r || r.userId !== session.userId) throw recoveryErrors.REQUEST_NOT_FOUND();
  if (!FACTOR_METHODS.has(session.authMethod)) throw recoveryErrors.CANCEL_NEEDS_FACTOR();
  await cancel(
    deps,
    ctx,
    r,
    "owner",
    `cancelled by the account owner, signed in with ${session.authMethod.replace("_", " ")}`,
  );
}

/** The request a one-click cancel link names, or null for a forged or mangled link. */
export async function requestOfCancelLink(
  deps: RecoveryDeps,
  token: string,
): Promise<RecoveryRequest | null> {
  const id = deps.keys.unseal("recovery-cancel", token);
  return id ? getRequest(deps.db, id) : null;
}

/**
 * One click from the email. Anyone reading that mailbox can cancel, which only ever stops a
 * recovery: an attacker gains nothing, and the owner who still reads their mail keeps control.
 */
export async function cancelByLink(deps: RecoveryDeps, ctx: RequestContext, token: string): Promise<void> {
  const r = await requestOfCancelLink(deps, token);
  if (!r) throw recoveryErrors.REQUEST_NOT_FOUND("This cancel link is not valid.");
  await cancel(deps, ctx, r, "email-link", "cancelled with the link in the recovery email");
}

/**
 * The owner proves one factor — a key, an authenticator code or a recovery code — without the
 * password (someone who took over the email may have reset it) and stops the open request. The
 * caller has verified the factor. Returns false when nothing was open.
 */
export async function stopWithFactor(
  deps: RecoveryDeps,
  ctx: RequestContext,
  userId: string,
  method: string,
): Promise<boolean> {
  const r = await openRequestOf(deps.db, userId);
  if (!r) return false;
  // The mail goes to the account's address, which whoever asked for the recovery may read: it must not
  // tell them which factor the owner holds. The factor is kept in the owner's own security history.
  await cancel(deps, ctx, r, "owner", "stopped by the account's owner", { method });
  return true;
}
