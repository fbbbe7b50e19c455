import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { dependentCount, listDependents } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { normalizeName } from "../ecosystems/pypi/index.js";
import { findProject, packageErrors } from "../packages/index.js";
import { projectHref } from "../web/index.js";
import { apiErrors } from "./errors.js";

const params = z.object({ ecosystem: z.enum(ECOSYSTEM_NAMES), name: z.string().min(1).max(214) });
const query = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * `GET /api/projects/<ecosystem>/<name>/dependents[?page=N&limit=M]`: how many projects depend on it
 * (their latest release names it) and a page of them by name. Public: dependencies are public metadata.
 */
export function registerDependentsApi(app: FastifyInstance, deps: Deps): void {
  app.get("/api/projects/:ecosystem/:name/dependents", async (req, reply) => {
    const p = params.safeParse(req.params);
    if (!p.success) throw apiErrors.NOT_FOUND();
    const q = query.safeParse(req.query);
    if (!q.success) throw apiErrors.INVALID_PAGE();
    const { ecosystem, name } = p.data;
    const key = ecosystem === "pypi" ? normalizeName(name) : name.toLowerCase();
    const project = await findProject(deps.db, ecosystem, key);
    if (!project) throw packageErrors.PROJECT_NOT_FOUND(`No ${ecosystem} project named '${name}'.`);
    const { page, limit } = q.data;
    const count = await dependentCount(deps.db, ecosystem, project.normalizedName);
    const list = await listDependents(deps.db, ecosystem, project.normalizedName, {
      offset: (page - 1) * limit,
      limit,
    });
    const pages = Math.max(1, Math.ceil(list.total / limit));
    const base = `/api/projects/${ecosystem}/${encodeURIComponent(project.name)}/dependents`;
    return reply.header("cache-control", "public, max-age=60").send({
      ecosystem,
      name: project.name,
      dependents: count,
      total: list.total,
      page,
      pages,
      projects: list.projects.map((d) => ({
        name: d.name,
        url: `${deps.config.origin}${projectHref({ ecosystem, name: d.name })}`,
      })),
      next: page < pages ? `${base}?page=${page + 1}&limit=${limit}` : null,
    });
  });
}
