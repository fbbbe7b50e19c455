import type { FastifyInstance } from "fastify";
import { getUser } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { listUserEvents } from "../../events/index.js";
import { isAppError } from "../../lib/errors.js";
import {
  coMaintainersOf,
  decideRequest,
  getRequest,
  isAbandonedRequest,
  listRequests,
  OPEN_STATES,
  type OperatorDecision,
} from "../../recovery/index.js";
import { queryParam, readForm, requestContext, sendPage, setFlash } from "../../web/index.js";
import { recordAudit } from "../audit.js";
import { adminErrors, requireReason } from "../errors.js";
import { auditActor } from "../guard.js";
import { RecoveryDetailPage, RecoveryQueuePage } from "../pages/recovery.js";

const DECISIONS: OperatorDecision[] = ["approve", "deny", "cancel"];

/** The recovery queue: requests without machine proofs wait here; the rest can be watched and stopped. */
export function registerRecoveryQueueRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/recovery", async (req, reply) => {
    const showAll = queryParam(req, "all") === "1";
    const rows = await listRequests(deps.db, showAll ? { limit: 500 } : { states: OPEN_STATES });
    // Queued first (they need a person), abandoned ones last (nobody is waiting on them), then by age:
    // the oldest waits longest.
    const now = deps.clock.now();
    const rank = (r: (typeof rows)[number]) =>
      r.state === "queued" ? 0 : isAbandonedRequest(r, now) ? 2 : 1;
    rows.sort((a, b) => rank(a) - rank(b) || a.createdAt - b.createdAt);
    return sendPage(deps, req, reply, "Recovery queue", (c) => RecoveryQueuePage(c, { rows, now, showAll }));
  });

  const detail = async (id: string) => {
    const request = await getRequest(deps.db, id);
    const user = request ? await getUser(deps.db, request.userId) : null;
    if (!request || !user) return null;
    return {
      request,
      username: user.username,
      email: user.email,
      coMaintainers: (await coMaintainersOf(deps.db, user.id)).length,
      events: await listUserEvents(deps.db, user.id, request.createdAt - 30 * 86_400_000, 50),
      now: deps.clock.now(),
    };
  };

  app.get<{ Params: { id: string } }>("/admin/recovery/:id", async (req, reply) => {
    const d = await detail(req.params.id);
    if (!d) return reply.callNotFound();
    return sendPage(deps, req, reply, `Recovery of ${d.username}`, (c) => RecoveryDetailPage(c, d));
  });

  app.post<{ Params: { id: string } }>("/admin/recovery/:id/decide", async (req, reply) => {
    const form = readForm(req, ["decision", "reason"]);
    const actor = auditActor(req);
    const back = `/admin/recovery/${encodeURIComponent(req.params.id)}`;
    try {
      const decision = DECISIONS.find((d) => d === form.decision);
      if (!decision) throw adminErrors.REASON_REQUIRED("Choose approve, deny or cancel.");
      const reason = requireReason(form.reason);
      await decideRequest(
        deps,
        {
          ...requestContext(req),
          adminName: actor.name,
          reason,
          audit: async (tx, r) => {
            const user = await getUser(tx, r.userId);
            await recordAudit(tx, deps.clock.now(), actor, {
              action: `recovery.${decision}`,
              targetType: "recovery",
              target: user?.username ?? r.userId,
              reason,
              data: { request: r.id, state: r.state },
            });
          },
        },
        req.params.id,
        decision,
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `Recovery request ${decision === "approve" ? "approved" : decision === "deny" ? "denied" : "cancelled"}.`,
      });
      return reply.redirect(back, 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const d = await detail(req.params.id);
      if (!d) return reply.callNotFound();
      const onReason = e.field === "reason";
      return sendPage(
        deps,
        req,
        reply,
        `Recovery of ${d.username}`,
        (c) =>
          RecoveryDetailPage(c, { ...d, ...(onReason ? { reasonError: e.message } : { error: e.message }) }),
        e.status,
      );
    }
  });
}
