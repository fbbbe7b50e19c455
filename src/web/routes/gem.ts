import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { securityPosture } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import {
  findProject,
  getRole,
  latestRelease,
  listMembers,
  loadProjectView,
  type ProjectView,
  packageErrors,
  type Release,
  releaseDescription,
} from "../../packages/index.js";
import { sendPage } from "../context.js";
import { gemHref, manageHref } from "../hrefs.js";
import { shownDescription } from "../markdown.js";
import { type GemDependency, GemPage } from "../pages/gem.js";
import { dependentsHref, sendDependentsPage, usedBy } from "./dependents.js";
import type { ManageHandlers } from "./manage.js";

const gems = ecosystemFor("rubygems");
const MAX_DEPENDENCIES = 100;

/**
 * The gem a URL names, by any spelling of its name (one gem per lower-cased name); null when the name
 * is not a gem name at all, so nothing else is ever looked up or echoed into a redirect.
 */
async function loadGem(deps: Deps, raw: string): Promise<ProjectView | null> {
  if (!gems.isValidName(raw)) return null;
  return loadProjectView(deps.db, "rubygems", gems.normalizeName(raw));
}

/** The shown release's dependencies by kind, linked when the gem is hosted here. */
async function dependenciesOf(deps: Deps, r: Release | undefined) {
  const out: { runtime: GemDependency[]; development: GemDependency[] } = { runtime: [], development: [] };
  const list = Array.isArray(r?.metadata.dependencies) ? (r.metadata.dependencies as unknown[]) : [];
  for (const d of list.slice(0, MAX_DEPENDENCIES)) {
    const dep = d as { name?: unknown; type?: unknown; requirement?: unknown };
    if (typeof dep.name !== "string" || !gems.isValidName(dep.name)) continue;
    const hosted = await findProject(deps.db, "rubygems", gems.normalizeName(dep.name));
    const entry = {
      name: dep.name,
      requirement: typeof dep.requirement === "string" ? dep.requirement : ">= 0",
      href: hosted && !hosted.quarantinedAt ? gemHref(hosted.name) : null,
    };
    (dep.type === "development" ? out.development : out.runtime).push(entry);
  }
  return out;
}

const mfaRequired = (r: Release | undefined): boolean =>
  (r?.metadata.gemMetadata as Record<string, unknown> | undefined)?.rubygems_mfa_required === "true";

/**
 * Gems' public pages at rubygems.org's URLs: /gems/<name>, /gems/<name>/versions/<version> and
 * /gems/<name>/dependents; and their manage page, /manage/gems/<name>/, which is the shared manage
 * page's handlers (people, publishing security, history) behind the gem URL shape.
 */
export function registerGemRoutes(app: FastifyInstance, deps: Deps, manage: ManageHandlers): void {
  async function gemPage(req: FastifyRequest, reply: FastifyReply, name: string, version: string | null) {
    const view = await loadGem(deps, name);
    const role = view && req.auth ? await getRole(deps.db, view.project.id, req.auth.user.id) : null;
    // A quarantined gem exists only for its own people (as the other ecosystems' pages).
    if (!view || (view.project.quarantinedAt && !role))
      throw packageErrors.PROJECT_NOT_FOUND(`There is no gem named '${name.slice(0, 128)}'.`);
    const latest = latestRelease(view);
    let shown = latest;
    if (version !== null) {
      shown = view.releases.find((r) => r.version === version);
      if (!shown)
        throw packageErrors.RELEASE_NOT_FOUND(`${view.project.name} has no version ${version.slice(0, 64)}.`);
    }
    // One URL per page: another spelling of the name moves to the name as pushed.
    const canonical = gemHref(view.project.name, version === null ? undefined : version);
    if (canonical !== req.url.split("?")[0]) return reply.redirect(canonical, 301);
    const [members, posture, used, dependencies] = await Promise.all([
      listMembers(deps.db, view.project.id),
      securityPosture(deps.db, view.project, deps.clock.now()),
      usedBy(deps, view.project),
      dependenciesOf(deps, shown),
    ]);
    const description = shown
      ? shownDescription(shown.description, await releaseDescription(deps.db, shown))
      : null;
    const title = shown ? `${view.project.name} ${shown.version}` : view.project.name;
    return sendPage(deps, req, reply, title, (c) =>
      GemPage(c, {
        origin: deps.config.origin,
        project: view.project,
        releases: view.releases,
        shown,
        latest,
        pinned: version !== null,
        members,
        description,
        dependencies,
        mfaRequired: mfaRequired(latest),
        manage: role
          ? { href: manageHref(view.project), label: role === "owner" ? "Manage gem" : "Gem settings" }
          : null,
        posture,
        usedBy: { count: used, href: dependentsHref(view.project) },
      }),
    );
  }

  app.get<{ Params: { name: string } }>("/gems/:name", (req, reply) =>
    gemPage(req, reply, req.params.name, null),
  );
  app.get<{ Params: { name: string; version: string } }>("/gems/:name/versions/:version", (req, reply) =>
    gemPage(req, reply, req.params.name, req.params.version),
  );
  app.get<{ Params: { name: string } }>("/gems/:name/dependents", async (req, reply) => {
    const view = await loadGem(deps, req.params.name);
    if (!view)
      throw packageErrors.PROJECT_NOT_FOUND(`There is no gem named '${req.params.name.slice(0, 128)}'.`);
    const canonical = dependentsHref(view.project);
    if (canonical !== req.url.split("?")[0]) return reply.redirect(canonical, 301);
    return sendDependentsPage(deps, req, reply, "rubygems", view.project.normalizedName);
  });

  async function managed(name: string): Promise<ProjectView> {
    const view = await loadGem(deps, name);
    if (!view) throw packageErrors.PROJECT_NOT_FOUND(`There is no gem named '${name.slice(0, 128)}'.`);
    return view;
  }
  app.get<{ Params: { name: string } }>("/manage/gems/:name", async (req, reply) =>
    reply.redirect(manageHref((await managed(req.params.name)).project), 301),
  );
  app.get<{ Params: { name: string } }>("/manage/gems/:name/", async (req, reply) => {
    const view = await managed(req.params.name);
    if (manageHref(view.project) !== req.url.split("?")[0])
      return reply.redirect(manageHref(view.project), 301);
    return manage.page(req, reply, view);
  });
  app.post<{ Params: { name: string } }>("/manage/gems/:name/invite", async (req, reply) =>
    manage.invite(req, reply, await managed(req.params.name)),
  );
  app.post<{ Params: { name: string } }>("/manage/gems/:name/settings", async (req, reply) =>
    manage.settings(req, reply, await managed(req.params.name)),
  );
  app.post<{ Params: { name: string } }>("/manage/gems/:name/people/remove", async (req, reply) =>
    manage.removePerson(req, reply, await managed(req.params.name)),
  );
}
