import type { RequestContext } from "../accounts/index.js";
import { getUser } from "../accounts/index.js";
import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import { type EventMail, eventMail, recordEvent } from "../events/index.js";
import * as mails from "../notify/templates/recovery.js";
import { cancelLink, type RecoveryDeps, stopLink, waitFor } from "./context.js";
import { recoveryErrors } from "./errors.js";
import { coMaintainersOf } from "./people.js";
import { gatherProofs, type ObservedProofs } from "./proofs.js";
import { getRequest, PROOF_LABELS, type RecoveryRequest, transition } from "./store.js";

/**
 * The request the browser is finishing; the recovery cookie names it and carries the browser's binding,
 * so others cannot drive it, and a browser it was moved away from (handover.ts) no longer can.
 */
export async function requestForBrowser(
  deps: RecoveryDeps,
  requestId: string,
  binding: string | null,
): Promise<RecoveryRequest> {
  const r = await getRequest(deps.db, requestId);
  if (!r) throw recoveryErrors.REQUEST_NOT_FOUND();
  if (r.binding !== null && r.binding !== binding) throw recoveryErrors.REQUEST_MOVED();
  return r;
}

/**
 * Step 3: with at least one machine proof the waiting period starts (longer for maintainers of critical
 * projects) and the owner's address and every co-maintainer are told; without one the request goes to
 * the operators' queue. Either way the owner can cancel until the end.
 */
export async function submitProofs(
  deps: RecoveryDeps,
  ctx: RequestContext,
  claim: { requestId: string; binding: string | null },
  observed: ObservedProofs,
  apiToken: string,
): Promise<RecoveryRequest> {
  const r = await requestForBrowser(deps, claim.requestId, claim.binding);
  if (r.state !== "proofs") throw recoveryErrors.REQUEST_CLOSED();
  const proofs = await gatherProofs(deps, ctx.ip ?? "", r.userId, observed, apiToken);
  const now = deps.clock.now();
  const waiting = proofs.length > 0;
  const waitUntil = now + waitFor(deps, r.critical);
  await transaction(deps.db, async (tx) => {
    const won = await transition(tx, r.id, ["proofs"], {
      state: waiting ? "waiting" : "queued",
      submitted_at: now,
      wait_until: waiting ? waitUntil : null,
      proofs: JSON.stringify(proofs),
    });
    if (!won) throw recoveryErrors.REQUEST_CLOSED();
    const updated = (await getRequest(tx, r.id))!;
    const user = await getUser(tx, r.userId);
    const queuedMail = (username: string) =>
      eventMail(r.email, mails.queued, {
        username,
        ip: r.requesterIp,
        cancelLink: cancelLink(deps, r.id),
        stopLink: stopLink(deps, r.id),
      });
    await recordEvent(tx, now, ctx, {
      type: waiting ? "recovery.waiting" : "recovery.queued",
      userId: r.userId,
      data: { request: r.id, proofs: proofs.map((p) => p.kind), ...(waiting ? { waitUntil } : {}) },
      notify: !user ? [] : waiting ? await waitMails(deps, tx, updated) : [queuedMail(user.username)],
    });
  });
  return (await getRequest(deps.db, r.id))!;
}

/**
 * The owner's address and every co-maintainer hear of a wait as it starts (submission or approval):
 * the mails for the event that starts it, read in its transaction (`r` as updated there).
 */
export async function waitMails(
  deps: RecoveryDeps,
  db: DbExecutor,
  r: RecoveryRequest,
): Promise<EventMail<unknown>[]> {
  const user = await getUser(db, r.userId);
  if (!user || r.waitUntil === null) return [];
  const waitUntil = r.waitUntil;
  return [
    eventMail(r.email, mails.waiting, {
      username: user.username,
      waitUntil,
      ip: r.requesterIp,
      userAgent: r.requesterUa,
      proofs: r.proofs
        .map((p) => PROOF_LABELS[p.kind])
        .concat(r.approvedBy ? ["approved by an operator"] : []),
      cancelLink: cancelLink(deps, r.id),
      stopLink: stopLink(deps, r.id),
    }),
    ...(await coMaintainersOf(db, r.userId)).map((m) =>
      eventMail(m.email, mails.coMaintainer, { who: m.username, account: user.username, waitUntil }),
    ),
  ];
}
