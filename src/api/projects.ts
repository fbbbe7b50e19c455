import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Deps } from "../deps.js";
import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { listProjectsPage } from "../packages/index.js";
import { projectHref } from "../web/index.js";
import { apiErrors } from "./errors.js";

const query = z.object({
  ecosystem: z.enum(ECOSYSTEM_NAMES),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z.string().min(1).max(214).optional(),
});

/**
 * `GET /api/projects?ecosystem=pypi[&limit=N][&after=NAME]`: every project of an ecosystem in name order,
 * a page at a time. Keyset pages (`next` carries the last name as `after`), so a script walking a
 * registry of 100k projects makes 1,000 equally cheap requests, never one that loads them all.
 */
export function registerProjectsApi(app: FastifyInstance, deps: Deps): void {
  app.get("/api/projects", async (req, reply) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw apiErrors.INVALID_LIST();
    const { ecosystem, limit, after } = parsed.data;
    const rows = await listProjectsPage(deps.db, ecosystem, after ?? null, limit);
    const projects = rows.slice(0, limit);
    const last = projects.at(-1);
    const next =
      rows.length > limit && last
        ? `/api/projects?${new URLSearchParams({ ecosystem, limit: String(limit), after: last.normalizedName })}`
        : null;
    return reply.header("cache-control", "public, max-age=60").send({
      projects: projects.map((p) => ({
        ecosystem: p.ecosystem,
        name: p.name,
        normalizedName: p.normalizedName,
        url: `${deps.config.origin}${projectHref(p)}`,
      })),
      next,
    });
  });
}
