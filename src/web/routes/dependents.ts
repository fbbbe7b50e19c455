import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { dependentCount, listDependents } from "../../dependents/index.js";
import type { Deps } from "../../deps.js";
import { isValidProjectName, normalizeName } from "../../ecosystems/pypi/index.js";
import { MAX_OFFSET, offsetPage } from "../../lib/paging.js";
import { type Ecosystem, findProject, getRole, type Project, packageErrors } from "../../packages/index.js";
import { sendPage } from "../context.js";
import { gemHref, npmPackageHref, projectHref } from "../hrefs.js";
import { DependentsPage } from "../pages/dependents.js";
import { queryParam } from "./guards.js";

/** Dependents per page. */
export const DEPENDENTS_PAGE_SIZE = 50;

/** Where a project's dependents page lives: beside its page, in each ecosystem's URL layout. */
export function dependentsHref(p: { name: string; ecosystem: string }): string {
  if (p.ecosystem === "npm") return `${npmPackageHref(p.name)}/dependents`;
  if (p.ecosystem === "rubygems") return `${gemHref(p.name)}/dependents`;
  return `${projectHref(p)}dependents/`;
}

/** The "Used by N projects" count a project page shows (one row read: the kept direct count). */
export async function usedBy(deps: Pick<Deps, "db">, project: Project): Promise<number> {
  return (await dependentCount(deps.db, project.ecosystem, project.normalizedName)).direct;
}

/**
 * A project's dependents page. Hidden, like the project page, while the project is quarantined, except
 * from its own people. The list leaves out quarantined dependents (dependents/queries.ts).
 */
export async function sendDependentsPage(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  ecosystem: Ecosystem,
  name: string,
) {
  const project = await findProject(deps.db, ecosystem, name);
  const hidden =
    project?.quarantinedAt && !(req.auth && (await getRole(deps.db, project.id, req.auth.user.id)));
  if (!project || hidden) throw packageErrors.PROJECT_NOT_FOUND(`There is no project named '${name}'.`);
  const at = offsetPage(queryParam(req, "page"), DEPENDENTS_PAGE_SIZE);
  const list = await listDependents(deps.db, ecosystem, project.normalizedName, at);
  // Past the pages' offset cap (lib/paging.ts) the JSON API, which the page links to, has the rest.
  const more = at.offset + at.limit < list.total;
  const atCap = at.offset + at.limit > MAX_OFFSET;
  const page = {
    items: list.projects,
    page: at.page,
    hasPrev: at.page > 1,
    hasNext: more && !atCap,
    capped: more && atCap,
  };
  return sendPage(deps, req, reply, `Dependents of ${project.name}`, (c) =>
    DependentsPage(c, {
      ecosystem,
      name: project.name,
      projectHref: projectHref(project),
      apiHref: `/api/projects/${ecosystem}/${encodeURIComponent(project.name)}/dependents`,
      path: dependentsHref(project),
      count: list.total,
      projects: list.projects.map((d) => ({ name: d.name, href: projectHref({ ecosystem, name: d.name }) })),
      page,
    }),
  );
}

/** `/project/<name>/dependents/` (npm's `/package/<name>/dependents` is parsed by routes/package.ts). */
export function registerDependentsRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { name: string } }>("/project/:name/dependents/", async (req, reply) => {
    const { name } = req.params;
    if (!isValidProjectName(name))
      throw packageErrors.PROJECT_NOT_FOUND(`There is no project named '${name}'.`);
    const normalized = normalizeName(name);
    if (normalized !== name) return reply.redirect(`/project/${normalized}/dependents/`, 301);
    return sendDependentsPage(deps, req, reply, "pypi", normalized);
  });
}
