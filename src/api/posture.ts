import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { securityPosture } from "../authz/index.js";
import { dependentCount } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { normalizeName } from "../ecosystems/pypi/index.js";
import { findProject, packageErrors } from "../packages/index.js";
import { apiErrors } from "./errors.js";

const params = z.object({ ecosystem: z.enum(ECOSYSTEM_NAMES), name: z.string().min(1).max(214) });

/** `GET /api/projects/<ecosystem>/<name>/security`: public, counts only (see posture.ts). */
export function registerPostureApi(app: FastifyInstance, deps: Deps): void {
  app.get("/api/projects/:ecosystem/:name/security", async (req, reply) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw apiErrors.NOT_FOUND();
    const { ecosystem, name } = parsed.data;
    const key = ecosystem === "pypi" ? normalizeName(name) : name.toLowerCase();
    const project = await findProject(deps.db, ecosystem, key);
    if (!project) throw packageErrors.PROJECT_NOT_FOUND(`No ${ecosystem} project named '${name}'.`);
    return reply.header("cache-control", "public, max-age=60").send({
      ...(await securityPosture(deps.db, project, deps.clock.now())),
      // How many projects install it: what "critical by dependents" ranks.
      dependents: await dependentCount(deps.db, ecosystem, project.normalizedName),
    });
  });
}
