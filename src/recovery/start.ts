import {
  getUser,
  getUserByLogin,
  issueLinkToken,
  type RequestContext,
  spendLinkToken,
  voidLinkTokens,
} from "../accounts/index.js";
import { transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { newId } from "../lib/ids.js";
import { afterResponse } from "../mail/index.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/recovery.js";
import type { RecoveryDeps } from "./context.js";
import { isAbandoned } from "./domains.js";
import { recoveryErrors } from "./errors.js";
import { newBinding } from "./handover.js";
import { maintainsCritical } from "./people.js";
import { openRequestOf, transition } from "./store.js";

/**
 * Step 1, no sign-in needed: mail a 10-minute, single-use link to the account's verified address. The
 * answer never says whether the account exists, is frozen, or has an abandoned email domain (that
 * would let anyone probe accounts); the refusals are recorded as events instead. Only the per-IP limit
 * runs before the answer: the lookup and everything that depends on it run after it, so real and
 * unknown accounts answer in the same time (issue 11 MEDIUM 12).
 */
export async function requestRecovery(deps: RecoveryDeps, ctx: RequestContext, login: string): Promise<void> {
  await deps.limits.consume("recoveryIp", ctx.ip ?? "");
  afterResponse(deps.log, "account recovery mail", () => mailConfirmation(deps, ctx, login));
}

async function mailConfirmation(deps: RecoveryDeps, ctx: RequestContext, login: string): Promise<void> {
  const user = await getUserByLogin(deps.db, login);
  if (!user) return;
  try {
    await deps.limits.consume("recoveryUser", user.id);
  } catch {
    return; // silently: a 429 here would tell a prober the account exists
  }
  const now = deps.clock.now();
  const refuse = (reason: string) =>
    recordEvent(deps.db, now, ctx, { type: "recovery.refused", userId: user.id, data: { reason } });
  if (user.isFrozen) return refuse("frozen");
  if (!user.emailVerified) return refuse("email_unverified");
  // OpenSSF L2: whoever re-registered a lapsed domain receives this mail; it must not unlock anything.
  if (await isAbandoned(deps.db, user.email)) return refuse("abandoned_email_domain");
  const open = await openRequestOf(deps.db, user.id);
  if (open && open.state !== "proofs") return refuse("already_open");
  const token = await transaction(deps.db, async (tx) => {
    await voidLinkTokens(tx, now, user.id, "recover_account");
    return issueLinkToken(tx, deps.keys, now, user.id, "recover_account", user.email);
  });
  const link = `${deps.config.origin}/account/recovery/confirm?token=${encodeURIComponent(token)}`;
  await send(deps, user.email, mails.confirmRecovery, { username: user.username, link });
}

/**
 * Step 2, on the page's button (never on GET: mail previews open links): the link is spent
 * (compare-and-swap) and the request created, bound to this browser, in one transaction. An older
 * request still collecting proofs is superseded; one already waiting or queued is not replaced (it
 * would restart the clock an owner may be counting on).
 */
export async function confirmRecovery(
  deps: RecoveryDeps,
  ctx: RequestContext,
  token: string,
): Promise<{ requestId: string; userId: string; binding: string }> {
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    const link = await spendLinkToken(tx, deps.keys, now, "recover_account", token);
    const user = await getUser(tx, link.userId);
    // The address must still be the account's, and still allowed: both could change within 10 minutes.
    if (!user || user.isFrozen || user.email !== link.email || (await isAbandoned(tx, user.email)))
      throw recoveryErrors.REQUEST_NOT_FOUND("This recovery link can no longer be used.");
    const open = await openRequestOf(tx, user.id);
    if (open && open.state !== "proofs") throw recoveryErrors.ALREADY_OPEN();
    if (open)
      await transition(tx, open.id, ["proofs"], {
        state: "expired",
        decided_at: now,
        decided_by: "system",
        decision_reason: "superseded by a newer request",
      });
    const id = newId(now);
    const binding = newBinding();
    await tx
      .insertInto("recovery_requests")
      .values({
        id,
        user_id: user.id,
        state: "proofs",
        email: user.email,
        created_at: now,
        submitted_at: null,
        wait_until: null,
        proofs: "[]",
        critical: (await maintainsCritical(tx, user.id)) ? 1 : 0,
        approved_by: null,
        decided_at: null,
        decided_by: null,
        decision_reason: null,
        requester_ip: ctx.ip ?? "",
        requester_ua: (ctx.userAgent ?? "").slice(0, 400),
        link_id: link.id,
        browser_binding: binding,
      })
      .execute();
    await recordEvent(tx, now, ctx, { type: "recovery.requested", userId: user.id, data: { request: id } });
    return { requestId: id, userId: user.id, binding };
  });
}
