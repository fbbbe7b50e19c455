import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { AppError } from "../lib/errors.js";
import {
  activeMandates,
  archiveMandate,
  createMandate,
  getMandate,
  phaseOf,
  updateMandate,
} from "./mandates.js";

/** Dates may be sent as ISO strings or epoch milliseconds; the mandate schema takes milliseconds. */
function body(req: FastifyRequest): Record<string, unknown> {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
    // A JSON body cannot be sent cross-site without a CORS preflight, which Wharf never grants.
    throw new AppError(415, "JSON_REQUIRED", "Send the mandate as JSON (content-type: application/json).");
  }
  const b = { ...((req.body ?? {}) as Record<string, unknown>) };
  for (const k of ["noticeAt", "warnAt", "enforceAt"]) {
    if (typeof b[k] === "string") b[k] = Date.parse(b[k] as string);
  }
  return b;
}

function admin(req: FastifyRequest): string {
  if (!req.auth?.user.isAdmin)
    throw new AppError(403, "ADMIN_ONLY", "Only administrators can manage mandates.");
  return req.auth.user.username;
}

/**
 * `/api/policy/mandates`: the same operations as `wharf policy mandate`, for scripts and (next) the
 * operator console. Admins only.
 */
export function registerMandatesApi(app: FastifyInstance, deps: Deps): void {
  const view = async (id: string) => {
    const m = await getMandate(deps.db, id);
    if (!m) throw new AppError(404, "MANDATE_NOT_FOUND", "No such mandate.");
    return { ...m, phase: phaseOf(m, deps.clock.now()) };
  };
  app.get("/api/policy/mandates", async (req) => {
    admin(req);
    const now = deps.clock.now();
    return { mandates: (await activeMandates(deps.db)).map((m) => ({ ...m, phase: phaseOf(m, now) })) };
  });
  app.post("/api/policy/mandates", async (req, reply) => {
    const by = admin(req);
    const m = await createMandate(deps.db, deps.clock.now(), by, body(req));
    return reply.status(201).send(await view(m.id));
  });
  app.put<{ Params: { id: string } }>("/api/policy/mandates/:id", async (req) => {
    admin(req);
    await updateMandate(deps.db, req.params.id, body(req));
    return view(req.params.id);
  });
  app.delete<{ Params: { id: string } }>("/api/policy/mandates/:id", async (req, reply) => {
    admin(req);
    await view(req.params.id);
    await archiveMandate(deps.db, deps.clock.now(), req.params.id);
    return reply.status(204).send();
  });
}
