import { getUser, inspectLinkToken, type RequestContext } from "../accounts/index.js";
import { recordEvent } from "../events/index.js";
import { MINUTE } from "../lib/clock.js";
import { randomToken } from "../lib/crypto.js";
import type { RecoveryDeps } from "./context.js";
import { recoveryErrors } from "./errors.js";
import { getRequest, type RecoveryRequest } from "./store.js";

/*
 * Recovery links and the browser the person is at (issue 14 item 9). A mail app that previews the
 * link only GETs it, and GET never spends it: the link is spent by the page's button (POST), which
 * creates the request and binds it to that browser (a random value in the request row, carried by the
 * browser's recovery cookie). People start on a computer and read mail on a phone: when the same link
 * is opened in another browser within HANDOVER_WINDOW of being used, that browser may take the request
 * over with a second button, once: a compare-and-swap sets moved_at and replaces the binding, so the
 * first browser can no longer present proofs, exactly one of several racing moves wins, and nobody
 * pulls the request back and forth.
 *
 * Why this is safe: whoever holds the link could have used it first, so moving grants no more than
 * the link already did; proofs are observed in the browser that presents them, so moving a request to a
 * stranger's browser gives it no proof of the owner's; only a request still collecting proofs moves
 * (after submission there is nothing left for a browser to do); the window is short, so a link found in a
 * mailbox later moves nothing; every move is a security event in the owner's history.
 */
export const HANDOVER_WINDOW = 30 * MINUTE;

/** What opening a confirmation link shows. */
export type RecoveryLinkView =
  | { kind: "fresh"; username: string }
  | { kind: "movable"; username: string; requestId: string; usedAt: number; movableUntil: number }
  | { kind: "used"; username: string }
  | { kind: "expired"; username: string }
  | { kind: "invalid" };

/** Reads a confirmation link without spending or moving anything (GET, previews). */
export async function viewRecoveryLink(deps: RecoveryDeps, token: string): Promise<RecoveryLinkView> {
  const row = await inspectLinkToken(deps.db, deps.keys, "recover_account", token);
  const user = row ? await getUser(deps.db, row.userId) : null;
  if (!row || !user) return { kind: "invalid" };
  const username = user.username;
  const now = deps.clock.now();
  if (row.usedAt === null)
    return row.expiresAt > now ? { kind: "fresh", username } : { kind: "expired", username };
  const r = await requestOfLink(deps, row.id);
  if (r && movable(r, now)) {
    return {
      kind: "movable",
      username,
      requestId: r.id,
      usedAt: r.createdAt,
      movableUntil: r.createdAt + HANDOVER_WINDOW,
    };
  }
  return { kind: "used", username };
}

async function requestOfLink(deps: RecoveryDeps, linkId: string): Promise<RecoveryRequest | null> {
  const row = await deps.db
    .selectFrom("recovery_requests")
    .select("id")
    .where("link_id", "=", linkId)
    .executeTakeFirst();
  return row ? getRequest(deps.db, row.id) : null;
}

const movable = (r: RecoveryRequest, now: number) =>
  r.state === "proofs" && r.movedAt === null && now < r.createdAt + HANDOVER_WINDOW;

/** A fresh binding for a browser that starts or takes over a request. */
export const newBinding = () => randomToken(18);

/**
 * Moves the request a used link created to this browser: returns the new binding for its cookie.
 * Fails for a link that is not used yet (press Continue instead), a request past the window or no
 * longer collecting proofs, and for the loser of two browsers moving it at once.
 */
export async function moveToThisBrowser(
  deps: RecoveryDeps,
  ctx: RequestContext,
  token: string,
): Promise<{ requestId: string; binding: string }> {
  const row = await inspectLinkToken(deps.db, deps.keys, "recover_account", token);
  if (!row || row.usedAt === null) throw recoveryErrors.LINK_NOT_MOVABLE();
  const r = await requestOfLink(deps, row.id);
  const now = deps.clock.now();
  if (!r || !movable(r, now)) throw recoveryErrors.LINK_NOT_MOVABLE();
  const binding = newBinding();
  const result = await deps.db
    .updateTable("recovery_requests")
    .set({ browser_binding: binding, moved_at: now })
    .where("id", "=", r.id)
    .where("state", "=", "proofs")
    .where("moved_at", "is", null)
    .executeTakeFirst();
  const won = result.numUpdatedRows > 0n;
  if (!won) throw recoveryErrors.LINK_NOT_MOVABLE();
  await recordEvent(deps.db, now, ctx, {
    type: "recovery.moved",
    userId: r.userId,
    data: { request: r.id },
  });
  return { requestId: r.id, binding };
}

/** The recovery cookie's value: the request and this browser's binding (sealed by the caller). */
export const browserClaim = (requestId: string, binding: string | null) =>
  binding === null ? requestId : `${requestId} ${binding}`;

/** Splits a claim; a cookie from before bindings names the request alone. */
export function readClaim(claim: string): { requestId: string; binding: string | null } {
  const [requestId = "", binding = null] = claim.split(" ");
  return { requestId, binding };
}
