import type { FastifyInstance } from "fastify";
import { accountErrors, getUserByUsername } from "../../accounts/index.js";
import { securityPosture } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import { canonicalVersion, isValidProjectName, normalizeName } from "../../ecosystems/pypi/index.js";
import { offsetPage, toPage } from "../../lib/paging.js";
import {
  type Ecosystem,
  findProject,
  getRole,
  latestRelease,
  listMembers,
  listReleaseSummaries,
  loadProjectView,
  packageErrors,
  projectsOfUserPage,
  provenanceFor,
  type ReleaseSummary,
  releaseDescription,
  searchProjects,
} from "../../packages/index.js";
import { sendPage } from "../context.js";
import { npmPackageHref, projectHref } from "../hrefs.js";
import { shownDescription } from "../markdown.js";
import { ProfilePage, SearchPage, type SearchResult } from "../pages/profile.js";
import { ProjectPage } from "../pages/project.js";
import { dependentsHref, usedBy } from "./dependents.js";
import { queryParam } from "./guards.js";
import { pendingForViewer } from "./staged.js";

/** Results per page of /search, and projects per page of a profile. */
export const SEARCH_PAGE_SIZE = 20;
export const PROFILE_PAGE_SIZE = 50;

const noProject = (name: string) => packageErrors.PROJECT_NOT_FOUND(`There is no project named '${name}'.`);

/** What pip (or npm) would pick, from summaries (same rule as latestRelease in the JSON API). */
function latestSummary(ecosystem: Ecosystem, rows: ReleaseSummary[]): ReleaseSummary | undefined {
  const { compareVersions, isPrerelease } = ecosystemFor(ecosystem);
  const sorted = [...rows].sort((a, b) => compareVersions(a.version, b.version));
  const live = sorted.filter((r) => !r.yanked);
  return live.filter((r) => !isPrerelease(r.version)).at(-1) ?? live.at(-1) ?? sorted.at(-1);
}

/** Public pages: project (and release) pages, user profiles, search. */
export function registerProjectRoutes(app: FastifyInstance, deps: Deps): void {
  // Without the trailing slash, or with a non-normalized name: one canonical URL per page (PEP 503 names).
  app.get<{ Params: { name: string } }>("/project/:name", (req, reply) =>
    reply.redirect(`/project/${encodeURIComponent(normalizeName(req.params.name))}/`, 301),
  );
  app.get<{ Params: { name: string; version: string } }>("/project/:name/:version", (req, reply) =>
    reply.redirect(
      `/project/${encodeURIComponent(normalizeName(req.params.name))}/${encodeURIComponent(req.params.version)}/`,
      301,
    ),
  );

  /**
   * npm packages had their links under /project/ before they had pages of their own (`npm search`
   * linked to /project/%40scope%2Fname/): with no PyPI project of that name, an npm package of exactly
   * that name is sent to its page. `@scope/name/` arrives here as name "@scope", version "name".
   */
  async function npmFallback(reply: import("fastify").FastifyReply, name: string, version: string | null) {
    const candidates =
      name.startsWith("@") && !name.includes("/") && version !== null
        ? [{ pkg: `${name}/${version}`, version: undefined }]
        : [{ pkg: name, version: version ?? undefined }];
    for (const c of candidates) {
      if (!ecosystemFor("npm").isValidName(c.pkg)) continue;
      const found = await findProject(deps.db, "npm", c.pkg);
      if (found) return reply.redirect(npmPackageHref(found.name, c.version), 301);
    }
    throw noProject(name);
  }

  async function projectPage(
    req: import("fastify").FastifyRequest,
    reply: import("fastify").FastifyReply,
    name: string,
    version: string | null,
  ) {
    if (!isValidProjectName(name)) return npmFallback(reply, name, version);
    const normalized = normalizeName(name);
    if (normalized !== name) {
      const tail = version === null ? "" : `${encodeURIComponent(version)}/`;
      return reply.redirect(`/project/${normalized}/${tail}`, 301);
    }
    const view = await loadProjectView(deps.db, "pypi", normalized);
    if (!view) return npmFallback(reply, name, version);
    let shown = latestRelease(view);
    if (version !== null) {
      let wanted: string;
      try {
        wanted = canonicalVersion(version);
      } catch {
        throw packageErrors.RELEASE_NOT_FOUND(`'${version}' is not a version.`);
      }
      shown = view.releases.find((r) => r.canonicalVersion === wanted);
      if (!shown) throw packageErrors.RELEASE_NOT_FOUND(`${view.project.name} has no release ${version}.`);
    }
    const members = await listMembers(deps.db, view.project.id);
    const viewerRole = req.auth ? await getRole(deps.db, view.project.id, req.auth.user.id) : null;
    // A quarantined project exists only for its own people (they read why in the refusals of their writes).
    if (view.project.quarantinedAt && !viewerRole) throw noProject(name);
    const posture = await securityPosture(deps.db, view.project, deps.clock.now());
    const used = { count: await usedBy(deps, view.project), href: dependentsHref(view.project) };
    const provenance = shown
      ? await provenanceFor(deps.db, { projectId: view.project.id, releaseId: shown.id })
      : [];
    const pending = viewerRole ? await pendingForViewer(deps, req, view.project) : null;
    const title = shown ? `${view.project.name} ${shown.version}` : view.project.name;
    // Stored at publish; only a release that predates that is rendered here, once (bounded, in the worker).
    const description = shown
      ? shownDescription(shown.description, await releaseDescription(deps.db, shown))
      : null;
    return sendPage(deps, req, reply, title, (c) =>
      ProjectPage(c, {
        origin: deps.config.origin,
        project: view.project,
        releases: view.releases,
        shown,
        latest: latestRelease(view),
        pinned: version !== null,
        members,
        description,
        viewerRole,
        posture,
        usedBy: used,
        provenance,
        pending,
      }),
    );
  }

  app.get<{ Params: { name: string } }>("/project/:name/", (req, reply) =>
    projectPage(req, reply, req.params.name, null),
  );
  app.get<{ Params: { name: string; version: string } }>("/project/:name/:version/", (req, reply) =>
    projectPage(req, reply, req.params.name, req.params.version),
  );

  app.get<{ Params: { username: string } }>("/user/:username", (req, reply) =>
    reply.redirect(`/user/${encodeURIComponent(req.params.username)}/`, 301),
  );
  app.get<{ Params: { username: string } }>("/user/:username/", async (req, reply) => {
    const user = await getUserByUsername(deps.db, req.params.username);
    if (!user) throw accountErrors.USER_NOT_FOUND(`There is no user named '${req.params.username}'.`);
    if (user.username !== req.params.username)
      return reply.redirect(`/user/${encodeURIComponent(user.username)}/`, 301);
    const at = offsetPage(queryParam(req, "page"), PROFILE_PAGE_SIZE);
    const page = toPage(await projectsOfUserPage(deps.db, user.id, at, { publicOnly: true }), at);
    return sendPage(deps, req, reply, user.username, (c) =>
      ProfilePage(c, { username: user.username, memberSince: user.createdAt, projects: page.items, page }),
    );
  });

  // One page of results per request: a registry of 100k projects never renders them all (lib/paging.ts).
  app.get("/search", async (req, reply) => {
    const query = queryParam(req, "q").trim().slice(0, 100);
    // PEP 503-normalise first: the domain search drops "_" (a LIKE wildcard) instead of mapping it to
    // "-", so "demo_pkg" would otherwise find nothing (packages/projects.ts searchProjects).
    const at = offsetPage(queryParam(req, "page"), SEARCH_PAGE_SIZE);
    const page = toPage(query ? await searchProjects(deps.db, normalizeName(query), at) : [], at);
    const projects = page.items;
    const summaries = await listReleaseSummaries(
      deps.db,
      projects.map((p) => p.id),
    );
    const results: SearchResult[] = projects.map((p) => {
      const latest = latestSummary(
        p.ecosystem,
        summaries.filter((s) => s.projectId === p.id),
      );
      return {
        projectId: p.id,
        name: p.name,
        ecosystem: p.ecosystem,
        href: projectHref(p),
        version: latest?.version ?? null,
        summary: latest?.summary ?? null,
      };
    });
    return sendPage(deps, req, reply, query ? `Search: ${query}` : "Search", (c) =>
      SearchPage(c, { query, results, page }),
    );
  });
}
