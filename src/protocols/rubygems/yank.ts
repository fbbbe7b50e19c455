import type { FastifyRequest } from "fastify";
import { authorize } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { canonicalGemVersion } from "../../ecosystems/rubygems/index.js";
import { latestRelease, loadProjectView, type ProjectView, yankRelease } from "../../packages/index.js";
import { type GemAuth, requestContext } from "./auth.js";
import { gemErrors } from "./errors.js";
import { platformOf } from "./gem-files.js";
import { requireOtp } from "./second-factor.js";

export const form = (req: FastifyRequest): Record<string, string> => {
  const body = req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v.trim() : ""]));
};

/** A gem the caller names, as writers see it (a quarantined one is refused by authorize, with why). */
export async function namedGem(deps: Deps, name: string | undefined): Promise<ProjectView> {
  const v = name ? await loadProjectView(deps.db, "rubygems", name.toLowerCase()) : null;
  if (!v)
    throw gemErrors.GEM_NOT_FOUND(
      `This gem could not be found: ${name ? `no gem named '${name.slice(0, 128)}'` : "name it"}.`,
    );
  return v;
}

/**
 * RubyGems' per-gem MFA: once the newest version's gemspec says `rubygems_mfa_required: 'true'`, every
 * write to the gem by any owner needs a second factor (as on rubygems.org), not only the pushes of it.
 */
export function gemRequiresMfa(v: ProjectView): string | undefined {
  const meta = latestRelease(v)?.metadata.gemMetadata as Record<string, unknown> | undefined;
  return meta?.rubygems_mfa_required === "true" ? `The gem ${v.project.name}` : undefined;
}

/**
 * `gem yank NAME -v VERSION [--platform P]` → `DELETE api/v1/gems/yank` with `gem_name`, `version`,
 * `platform`. The version leaves the index and downloads, and its number is never pushed again. Wharf
 * yanks a version with all its platforms (a release is one row), so naming one platform of a version
 * that has several is refused with how to yank it whole. gem prints the body and exits 0 even on a 4xx.
 */
export async function handleYank(deps: Deps, req: FastifyRequest, auth: GemAuth): Promise<string> {
  const f = form(req);
  const v = await namedGem(deps, f.gem_name);
  if (!f.version) throw gemErrors.BODY_INVALID("Name the version to yank: gem yank NAME -v VERSION.");
  const version = canonicalGemVersion(f.version);
  const release = v.releases.find((r) => r.version === version);
  const label = `${v.project.name} (${version})`;
  if (!release) throw gemErrors.GEM_NOT_FOUND(`The version ${version} of ${v.project.name} does not exist.`);
  const platforms = release.files.map((file) => platformOf(file.filename, v.project.name, version));
  if (f.platform && f.platform !== "ruby" && !platforms.includes(f.platform))
    throw gemErrors.GEM_NOT_FOUND(`The version ${version} of ${v.project.name} has no ${f.platform} gem.`);
  if (f.platform && platforms.some((p) => p !== f.platform))
    throw gemErrors.YANK_PLATFORM(
      `This registry yanks a version with all its platforms (${platforms.join(", ")}): run gem yank ${v.project.name} -v ${version} without --platform.`,
    );
  const grant = await authorize(deps, auth.actor, "yank", v.project, { ecosystem: "rubygems" });
  if (release.yankedAt !== null)
    throw gemErrors.ALREADY_YANKED(`The version ${version} of ${v.project.name} has already been yanked.`);
  await requireOtp(deps, req, auth.user, { required: gemRequiresMfa(v) });
  await yankRelease(deps, requestContext(req), grant, auth.user, v.project, release, "", true);
  const done = `Successfully deleted gem: ${label}`;
  return grant.warning ? `${done}\n${grant.warning}` : done;
}
