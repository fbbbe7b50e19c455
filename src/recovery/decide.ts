import { getUser, type RequestContext } from "../accounts/index.js";
import { type DbExecutor, transaction } from "../db/index.js";
import { type EventMail, eventMail, recordEvent } from "../events/index.js";
import * as mails from "../notify/templates/recovery.js";
import { type RecoveryDeps, waitFor } from "./context.js";
import { recoveryErrors } from "./errors.js";
import { getRequest, OPEN_STATES, type RecoveryRequest, transition } from "./store.js";
import { waitMails } from "./submit.js";

export type OperatorDecision = "approve" | "deny" | "cancel";

export interface OperatorContext extends RequestContext {
  adminName: string;
  reason: string;
  /** Writes the admin audit entry inside the decision's transaction (src/admin owns that log). */
  audit: (tx: DbExecutor, r: RecoveryRequest) => Promise<void>;
}

/**
 * An operator's decision on a request. Approving a queued request (checked out of band: a call, a
 * signed commit, an ID) starts the same waiting period with the same notices, so even an operator
 * fooled by a good story leaves the real owner a week to object. Approving a waiting one means its
 * machine proofs no longer need to stand at the end.
 */
export async function decideRequest(
  deps: RecoveryDeps,
  ctx: OperatorContext,
  requestId: string,
  decision: OperatorDecision,
): Promise<RecoveryRequest> {
  const r = await getRequest(deps.db, requestId);
  if (!r) throw recoveryErrors.REQUEST_NOT_FOUND();
  const now = deps.clock.now();
  const startsWait = decision === "approve" && r.state === "queued";
  await transaction(deps.db, async (tx) => {
    let won: boolean;
    if (decision === "approve") {
      if (r.state !== "queued" && r.state !== "waiting") throw recoveryErrors.REQUEST_CLOSED();
      won = await transition(tx, r.id, [r.state], {
        state: "waiting",
        approved_by: ctx.adminName,
        decision_reason: ctx.reason,
        ...(startsWait ? { wait_until: now + waitFor(deps, r.critical) } : {}),
      });
    } else {
      won = await transition(tx, r.id, OPEN_STATES, {
        state: decision === "deny" ? "denied" : "cancelled",
        decided_at: now,
        decided_by: ctx.adminName,
        decision_reason: ctx.reason,
      });
    }
    if (!won) throw recoveryErrors.REQUEST_CLOSED();
    const user = await getUser(tx, r.userId);
    let notify: EventMail<unknown>[] = [];
    if (startsWait) notify = await waitMails(deps, tx, (await getRequest(tx, r.id))!);
    else if (user && decision === "deny")
      notify = [eventMail(r.email, mails.denied, { username: user.username, reason: ctx.reason })];
    else if (user && decision === "cancel")
      notify = [
        eventMail(r.email, mails.cancelled, {
          username: user.username,
          why: `by the registry operators: ${ctx.reason}`,
        }),
      ];
    await recordEvent(tx, now, ctx, {
      type:
        decision === "approve"
          ? "recovery.approved"
          : decision === "deny"
            ? "recovery.denied"
            : "recovery.cancelled",
      userId: r.userId,
      data: { request: r.id, by: ctx.adminName, reason: ctx.reason },
      notify,
    });
    await ctx.audit(tx, r);
  });
  return (await getRequest(deps.db, r.id))!;
}
