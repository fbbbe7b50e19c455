import type { Deps } from "../../deps.js";
import {
  compareGemVersions,
  formatRequirement,
  gemPlatformOf,
  type IndexedGemFile,
  parseGemspec,
} from "../../ecosystems/rubygems/index.js";
import type { ProjectView, Release } from "../../packages/index.js";
import { readAll } from "../../storage/index.js";

/** What a line of `info` says of one .gem besides its name, version, platform and checksum. */
export type GemFacts = Pick<
  IndexedGemFile,
  "dependencies" | "requiredRubyVersion" | "requiredRubygemsVersion"
>;

/**
 * A release's metadata holds the gemspec of the platform pushed first (push.ts releaseMetadata). The
 * other platforms of a version may say otherwise (a native gem often narrows `required_ruby_version`
 * or drops a pure-Ruby dependency), so their facts come from their own gemspec, kept beside each .gem.
 * Files never change, so what was read once is kept (bounded).
 */
const factsByFile = new Map<string, GemFacts>();
const MAX_KEPT = 50_000;

/** The facts of every live .gem of these gems that its release's metadata does not describe. */
export async function loadGemFacts(deps: Deps, gems: ProjectView[]): Promise<Map<string, GemFacts>> {
  const out = new Map<string, GemFacts>();
  for (const { project, releases } of gems)
    for (const r of releases) {
      if (r.yankedAt !== null) continue;
      const first = Array.isArray(r.metadata.platforms) ? r.metadata.platforms[0] : "ruby";
      for (const f of r.files) {
        if (f.packagetype !== "gem" || !f.metadataBlobKey) continue;
        if (platformOf(f.filename, project.name, r.version) === first) continue;
        const facts = factsByFile.get(f.id) ?? (await readFacts(deps, f.metadataBlobKey));
        if (factsByFile.size >= MAX_KEPT) factsByFile.clear();
        factsByFile.set(f.id, facts);
        out.set(f.id, facts);
      }
    }
  return out;
}

async function readFacts(deps: Deps, metadataBlobKey: string): Promise<GemFacts> {
  const spec = parseGemspec((await readAll(await deps.blobs.get(metadataBlobKey))).toString("utf8"));
  return {
    dependencies: spec.dependencies
      .filter((d) => d.type === "runtime")
      .map((d) => ({ name: d.name, requirement: formatRequirement(d.requirement) })),
    requiredRubyVersion: formatRequirement(spec.requiredRubyVersion),
    requiredRubygemsVersion: formatRequirement(spec.requiredRubygemsVersion),
  };
}

/** The platform of a stored .gem, from its file name (`name-version[-platform].gem`). */
export const platformOf = gemPlatformOf;

const text = (v: unknown, fallback: string): string => (typeof v === "string" && v ? v : fallback);

/** Every live (not yanked) .gem of a gem, in push order: a push appends a line to the info file. */
export function indexedFiles(v: ProjectView, facts: Map<string, GemFacts>): IndexedGemFile[] {
  const out: (IndexedGemFile & { at: number })[] = [];
  for (const r of v.releases) {
    if (r.yankedAt !== null) continue;
    const m = r.metadata;
    const dependencies = (Array.isArray(m.dependencies) ? (m.dependencies as unknown[]) : [])
      .map((d) => d as { name?: unknown; type?: unknown; requirement?: unknown })
      .filter((d) => d.type === "runtime" && typeof d.name === "string")
      .map((d) => ({ name: d.name as string, requirement: text(d.requirement, ">= 0") }));
    const fromRelease: GemFacts = {
      dependencies,
      requiredRubyVersion: text(m.requiredRubyVersion, ">= 0"),
      requiredRubygemsVersion: text(m.requiredRubygemsVersion, ">= 0"),
    };
    for (const f of r.files) {
      if (f.packagetype !== "gem") continue;
      out.push({
        at: f.uploadedAt,
        version: r.version,
        platform: platformOf(f.filename, v.project.name, r.version),
        sha256: f.sha256,
        ...(facts.get(f.id) ?? fromRelease),
      });
    }
  }
  // Push order; ties (one millisecond) broken the same way whatever order the rows came in, so the
  // info file and the MD5 in versions always agree.
  return out.sort(
    (a, b) =>
      a.at - b.at ||
      compareGemVersions(a.version, b.version) ||
      (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0),
  );
}
