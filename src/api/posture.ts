import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { securityPosture } from "../authz/index.js";
import type { Deps } from "../deps.js";
import { normalizeName } from "../ecosystems/pypi/index.js";
import { AppError } from "../lib/errors.js";
import { findProject } from "../packages/index.js";

const params = z.object({ ecosystem: z.enum(["pypi", "npm"]), name: z.string().min(1).max(214) });

/** `GET /api/projects/<ecosystem>/<name>/security`: public, counts only (see posture.ts). */
export function registerPostureApi(app: FastifyInstance, deps: Deps): void {
  app.get("/api/projects/:ecosystem/:name/security", async (req, reply) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success)
      throw new AppError(
        404,
        "NOT_FOUND",
        "Use /api/projects/pypi/<name>/security or /api/projects/npm/<name>/security.",
      );
    const { ecosystem, name } = parsed.data;
    const key = ecosystem === "pypi" ? normalizeName(name) : name.toLowerCase();
    const project = await findProject(deps.db, ecosystem, key);
    if (!project) throw new AppError(404, "PROJECT_NOT_FOUND", `No ${ecosystem} project named '${name}'.`);
    return reply
      .header("cache-control", "public, max-age=60")
      .send(await securityPosture(deps.db, project, deps.clock.now()));
  });
}
