import type { FastifyInstance, FastifyRequest } from "fastify";
// Direct files, not admin/index.ts: the console's routes import policy/, and the index would close a cycle.
import { type AuditActor, recordAudit } from "../admin/audit.js";
import { requireReason } from "../admin/errors.js";
import { requireApiAdmin } from "../admin/guard.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import {
  activeMandates,
  archiveMandate,
  auditedSettings,
  createMandate,
  getMandate,
  type Mandate,
  mandateErrors,
  phaseOf,
  updateMandate,
} from "../mandates/index.js";
import { apiErrors } from "./errors.js";

/**
 * The JSON body of a write. `reason` is required (3–500 characters) and goes into the audit log, like
 * the console's reason field; the rest is the mandate. Dates may be ISO strings or epoch milliseconds.
 */
function body(req: FastifyRequest): { reason: string; mandate: Record<string, unknown> } {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
    // A JSON body cannot be sent cross-site without a CORS preflight, which Wharf never grants.
    throw apiErrors.JSON_REQUIRED("Send the mandate as JSON (content-type: application/json).");
  }
  const { reason, ...mandate } = { ...((req.body ?? {}) as Record<string, unknown>) };
  for (const k of ["noticeAt", "warnAt", "enforceAt"]) {
    if (typeof mandate[k] === "string") mandate[k] = Date.parse(mandate[k] as string);
  }
  return { reason: requireReason(typeof reason === "string" ? reason : ""), mandate };
}

/** The acting operator, as the audit log names them; only after the key-session guard admitted them. */
async function operator(deps: Deps, req: FastifyRequest): Promise<AuditActor> {
  const auth = await requireApiAdmin(deps, req);
  return { id: auth.user.id, name: auth.user.username, ip: req.ip };
}

/**
 * `/api/policy/mandates`: the same operations as `wharf policy mandate` and the console, for scripts.
 * The same guard as the console (admin + security-key session) and the same audit entry, written in
 * the change's own transaction: a phished admin password cannot change who must use MFA, and no
 * operator change happens without a row saying who, from where and why (issue 11, item 8).
 */
export function registerMandatesApi(app: FastifyInstance, deps: Deps): void {
  const view = (m: Mandate) => ({ ...m, phase: phaseOf(m, deps.clock.now()) });
  const live = async (id: string) => {
    const m = await getMandate(deps.db, id);
    if (!m || m.archivedAt !== null) throw mandateErrors.MANDATE_NOT_FOUND();
    return m;
  };
  app.get("/api/policy/mandates", async (req) => {
    await requireApiAdmin(deps, req);
    return { mandates: (await activeMandates(deps.db)).map(view) };
  });
  app.post("/api/policy/mandates", async (req, reply) => {
    const actor = await operator(deps, req);
    const { reason, mandate } = body(req);
    const now = deps.clock.now();
    const m = await transaction(deps.db, async (tx) => {
      const m = await createMandate(tx, now, actor.name, mandate);
      await recordAudit(tx, now, actor, {
        action: "mandate.create",
        targetType: "mandate",
        target: m.name,
        reason,
        data: { id: m.id, via: "api", ...auditedSettings(m) },
      });
      return m;
    });
    return reply.status(201).send(view(m));
  });
  app.put<{ Params: { id: string } }>("/api/policy/mandates/:id", async (req) => {
    const actor = await operator(deps, req);
    const { reason, mandate } = body(req);
    const before = await live(req.params.id);
    const now = deps.clock.now();
    return view(
      await transaction(deps.db, async (tx) => {
        const m = await updateMandate(tx, before.id, mandate);
        await recordAudit(tx, now, actor, {
          action: "mandate.update",
          targetType: "mandate",
          target: m.name,
          reason,
          data: { id: m.id, via: "api", before: auditedSettings(before), after: auditedSettings(m) },
        });
        return m;
      }),
    );
  });
  // DELETE archives. The reason comes in a JSON body, or as ?reason= for clients that send no body.
  app.delete<{ Params: { id: string }; Querystring: { reason?: string } }>(
    "/api/policy/mandates/:id",
    async (req, reply) => {
      const actor = await operator(deps, req);
      const sent = (req.body as { reason?: unknown } | undefined)?.reason ?? req.query.reason;
      const reason = requireReason(typeof sent === "string" ? sent : "");
      const m = await live(req.params.id);
      const now = deps.clock.now();
      await transaction(deps.db, async (tx) => {
        await archiveMandate(tx, now, m.id);
        await recordAudit(tx, now, actor, {
          action: "mandate.archive",
          targetType: "mandate",
          target: m.name,
          reason,
          data: { id: m.id, via: "api", phase: phaseOf(m, now) },
        });
      });
      return reply.status(204).send();
    },
  );
}
