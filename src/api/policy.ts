import type { FastifyInstance } from "fastify";
import { requireApiAdmin } from "../admin/guard.js";
import type { Deps } from "../deps.js";
import { simulate, simulationInput } from "../mandates/index.js";
import { apiErrors } from "./errors.js";

/**
 * Wharf's JSON API for operators: `POST /api/policy/simulate` with the simulation's parameters
 * ({ cohort, ecosystem | ecosystems, top | topK | threshold, windowDays, sticky, projects, minDownloads,
 * cohortWindowDays, strength, phases, warnDays }) answers what
 * `wharf policy simulate --json` prints. Operators only, under the console's guard (admin + a session
 * signed in with a security key): it reads every maintainer's factors. Read-only, so no audit entry.
 */
export function registerPolicyApi(app: FastifyInstance, deps: Deps): void {
  app.post("/api/policy/simulate", async (req, reply) => {
    await requireApiAdmin(deps, req);
    // A JSON body cannot be sent cross-site without a CORS preflight, which Wharf never grants: that,
    // not a CSRF token, is what keeps other sites from making a signed-in admin's browser call this.
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      throw apiErrors.JSON_REQUIRED();
    const parsed = simulationInput.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      throw apiErrors.INVALID_SIMULATION(`${where}${issue?.message ?? "invalid parameters"}`);
    }
    return reply.header("cache-control", "no-store").send(await simulate(deps, parsed.data));
  });
}
