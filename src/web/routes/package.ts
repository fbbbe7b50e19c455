import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { securityPosture } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import {
  getRole,
  latestRelease,
  listDistTags,
  listMembers,
  loadProjectView,
  packageErrors,
  provenanceFor,
  releaseDescription,
} from "../../packages/index.js";
import { sendPage } from "../context.js";
import { manageHref, npmPackageHref } from "../hrefs.js";
import { shownDescription } from "../markdown.js";
import { PackagePage } from "../pages/package.js";
import { dependentsHref, sendDependentsPage, usedBy } from "./dependents.js";
import { pendingForViewer } from "./staged.js";

const npm = ecosystemFor("npm");

/** What a /package/... path names; `version` null for the package's own page. */
export interface PackageUrl {
  name: string;
  version: string | null;
  /** `/package/<name>/dependents`: the package's dependents page. */
  dependents?: boolean;
}

/**
 * Reads the raw path, not Fastify's decoded wildcard: a scoped name comes as `@scope/name` (two
 * segments, the canonical form) or `@scope%2fname` (one, as npm clients encode it), and each segment
 * is decoded on its own so an encoded slash cannot open a third segment. Null: not a package URL.
 */
export function parsePackageUrl(url: string): PackageUrl | null {
  const path = url.split("?")[0]!;
  if (!path.startsWith("/package/")) return null;
  let segs: string[];
  try {
    segs = path.slice("/package/".length).split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segs.at(-1) === "") segs.pop();
  let name = segs.shift();
  if (!name) return null;
  if (name.startsWith("@") && !name.includes("/")) {
    const bare = segs.shift();
    if (!bare) return null;
    name = `${name}/${bare}`;
  }
  if (segs.length === 0) return { name, version: null };
  if (segs.length === 1 && segs[0] === "dependents") return { name, version: null, dependents: true };
  if (segs.length === 2 && segs[0] === "v" && segs[1]) return { name, version: segs[1] };
  return null;
}

/** npm packages' public pages, at the URLs npm's website uses: /package/<name>[/v/<version>]. */
export function registerPackageRoutes(app: FastifyInstance, deps: Deps): void {
  async function packagePage(req: FastifyRequest, reply: FastifyReply) {
    const u = parsePackageUrl(req.url);
    // Names are checked before any lookup or redirect: the redirect target is built from a valid
    // name only, never echoed from the request (no open redirect, no '..' segment).
    const name =
      u && !npm.isValidName(u.name) && npm.isValidName(u.name.toLowerCase()) ? u.name.toLowerCase() : u?.name;
    if (!u || !name || !npm.isValidName(name))
      throw packageErrors.PROJECT_NOT_FOUND("There is no package at this address.");
    if (u.dependents) {
      const canonical = `${npmPackageHref(name)}/dependents`;
      if (canonical !== req.url.split("?")[0]) return reply.redirect(canonical, 301);
      return sendDependentsPage(deps, req, reply, "npm", name);
    }
    const view = await loadProjectView(deps.db, "npm", name);
    const quarantinedForViewer =
      view?.project.quarantinedAt &&
      !(req.auth && (await getRole(deps.db, view.project.id, req.auth.user.id)));
    if (!view || quarantinedForViewer)
      throw packageErrors.PROJECT_NOT_FOUND(`There is no package named '${name}'.`);
    const tags = await listDistTags(deps.db, view.project.id);
    const latest = view.releases.find((r) => r.version === tags.latest) ?? latestRelease(view);
    let shown = latest;
    if (u.version !== null) {
      let wanted: string;
      try {
        wanted = npm.canonicalVersion(u.version);
      } catch {
        throw packageErrors.RELEASE_NOT_FOUND(`'${u.version}' is not a version.`);
      }
      shown = view.releases.find((r) => r.version === wanted);
      if (!shown) throw packageErrors.RELEASE_NOT_FOUND(`${name} has no version ${u.version}.`);
    }
    // One URL per page: `@scope%2fname`, a trailing slash or `v/=1.0.0` move to the canonical form.
    const canonical = npmPackageHref(name, shown && u.version !== null ? shown.version : undefined);
    if (canonical !== req.url.split("?")[0]) return reply.redirect(canonical, 301);
    const [members, role, posture, used, provenance] = await Promise.all([
      listMembers(deps.db, view.project.id),
      req.auth ? getRole(deps.db, view.project.id, req.auth.user.id) : null,
      securityPosture(deps.db, view.project, deps.clock.now()),
      usedBy(deps, view.project),
      shown ? provenanceFor(deps.db, { projectId: view.project.id, releaseId: shown.id }) : [],
    ]);
    const pending = role ? await pendingForViewer(deps, req, view.project) : null;
    // Rendered at publish and stored; a version that predates that is rendered once, here.
    const description = shown
      ? shownDescription(shown.description, await releaseDescription(deps.db, shown))
      : null;
    const title = shown ? `${view.project.name} ${shown.version}` : view.project.name;
    return sendPage(deps, req, reply, title, (c) =>
      PackagePage(c, {
        origin: deps.config.origin,
        project: view.project,
        releases: view.releases,
        shown,
        latest,
        pinned: u.version !== null,
        distTags: tags,
        members,
        description,
        manage: role
          ? {
              href: manageHref(view.project),
              label: role === "owner" ? "Manage package" : "Package settings",
            }
          : null,
        posture,
        usedBy: { count: used, href: dependentsHref(view.project) },
        provenance,
        pending,
      }),
    );
  }
  app.get("/package/*", packagePage);
}
