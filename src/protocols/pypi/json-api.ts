import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { canonicalVersion, normalizeName } from "../../ecosystems/pypi/index.js";
import { type BlockStore, cutBlocks, renderBlocks } from "../../http/blocks.js";
import { type RenderCache, type Rendered, renderedOffLoop } from "../../http/render-cache.js";
import { PUBLIC_READ } from "../../http/replay.js";
import { sendRendered } from "../../http/send.js";
import {
  type FileRecord,
  type ListedRelease,
  latestRelease,
  type Provenance,
  packageErrors,
  provenanceFor,
  releaseMetadata,
  releaseText,
} from "../../packages/index.js";
import { kept, PYPI_CACHING } from "./simple.js";
import { fileUrl, loadProjectView, type ProjectView, uploadTime } from "./view.js";

type ProvenanceByFile = Map<string, Provenance>;

/** Wharf's addition for files published by a trusted publisher (issue 16): where they were built. */
function trustedPublisher(p: Provenance | undefined) {
  if (!p) return null;
  return {
    publisher: p.publisher,
    repository: p.repository,
    workflow: p.workflow,
    ref: p.ref,
    sha: p.sha,
    run_id: p.runId,
    run_attempt: p.runAttempt,
    environment: p.environment,
    run_url: p.runUrl,
  };
}

async function provenanceByFile(deps: Deps, projectId: string): Promise<ProvenanceByFile> {
  const rows = await provenanceFor(deps.db, { projectId });
  return new Map(rows.filter((p) => p.fileId).map((p) => [p.fileId!, p]));
}

function fileDict(origin: string, r: ListedRelease, f: FileRecord, prov: ProvenanceByFile) {
  return {
    filename: f.filename,
    url: `${origin}${fileUrl(f)}`,
    digests: { sha256: f.sha256, blake2b_256: f.blake2b256, md5: f.md5 },
    md5_digest: f.md5,
    size: f.size,
    packagetype: f.packagetype,
    python_version: f.pythonVersion,
    requires_python: f.requiresPython,
    upload_time: new Date(f.uploadedAt).toISOString().slice(0, 19),
    upload_time_iso_8601: uploadTime(f.uploadedAt),
    yanked: r.yankedAt !== null,
    yanked_reason: r.yankedReason,
    has_sig: false,
    comment_text: "",
    trusted_publisher: trustedPublisher(prov.get(f.id)),
  };
}

/** The one release `info` describes: only its metadata is parsed and only its description loaded. */
async function info(deps: Deps, v: ProjectView, r: ListedRelease) {
  const origin = deps.config.origin;
  const [meta, text] = await Promise.all([releaseMetadata(deps.db, [r.id]), releaseText(deps.db, r.id)]);
  const m = meta.get(r.id)?.metadata ?? {};
  const urls = (m.projectUrls as Array<{ label: string; url: string }> | undefined) ?? [];
  const base = `${origin}/project/${v.project.normalizedName}/`;
  return {
    name: v.project.name,
    version: r.version,
    summary: text.summary,
    description: text.description,
    description_content_type: text.descriptionContentType,
    author: m.author ?? null,
    author_email: m.authorEmail ?? null,
    maintainer: m.maintainer ?? null,
    maintainer_email: m.maintainerEmail ?? null,
    license: m.license ?? null,
    home_page: m.homePage ?? null,
    keywords: m.keywords ?? null,
    classifiers: m.classifiers ?? [],
    requires_dist: (m.requiresDist as string[] | undefined)?.length ? m.requiresDist : null,
    provides_extra: m.providesExtra ?? null,
    requires_python: r.requiresPython,
    project_urls: urls.length ? Object.fromEntries(urls.map((u) => [u.label, u.url])) : null,
    package_url: base,
    project_url: base,
    release_url: `${base}${r.version}/`,
    yanked: r.yankedAt !== null,
    yanked_reason: r.yankedReason,
  };
}

/**
 * `"releases"`'s members, one part per version, as JSON.stringify writes `Object.fromEntries` of them:
 * the same key order (integer-like versions such as "2" first, as JavaScript orders an object's keys)
 * and the last release of a repeated key. Cut into blocks (blocks.ts) so that after an upload only the
 * changed blocks are gzipped and hashed again.
 */
function releaseParts(origin: string, v: ProjectView, prov: ProvenanceByFile): Buffer[] {
  const byVersion = Object.fromEntries(v.releases.map((rel) => [rel.version, rel]));
  return Object.keys(byVersion).map((version, i) => {
    const rel = byVersion[version]!;
    const files = JSON.stringify(rel.files.map((f) => fileDict(origin, rel, f, prov)));
    return Buffer.from(`${i ? "," : ""}${JSON.stringify(version)}:${files}`);
  });
}

/** `/pypi/<name>/json` and `/pypi/<name>/<version>/json`: the JSON API tools read for project info. */
export function registerJsonApi(
  app: FastifyInstance,
  deps: Deps,
  cache: RenderCache<Rendered>,
  blocks: BlockStore,
): void {
  const origin = deps.config.origin;
  app.get<{ Params: { name: string } }>("/pypi/:name/json", async (req, reply) => {
    const normalized = normalizeName(req.params.name);
    const key = `${normalized}\0json`;
    const r = await cache.get(key, async () => {
      const v = await loadProjectView(deps.db, normalized);
      if (!v || v.releases.length === 0) return null;
      const latest = latestRelease(v)!;
      const prov = await provenanceByFile(deps, v.project.id);
      const head = JSON.stringify({ info: await info(deps, v, latest), last_serial: v.project.serial });
      const tail = JSON.stringify({
        urls: latest.files.map((f) => fileDict(origin, latest, f, prov)),
        vulnerabilities: [],
      });
      const doc = [
        { label: "head", parts: [Buffer.from(`${head.slice(0, -1)},"releases":{`)] },
        ...cutBlocks("releases", releaseParts(origin, v, prov)),
        { label: "tail", parts: [Buffer.from(`},${tail.slice(1)}`)] },
      ];
      return kept(await renderBlocks(blocks, `${v.project.id}\0json`, doc, "application/json"), v.project.id);
    });
    if (!r) throw packageErrors.PROJECT_NOT_FOUND(`No project named '${req.params.name}'.`);
    deps.replay.allowKept(req, cache, key, PUBLIC_READ);
    return sendRendered(req, reply, r, PYPI_CACHING);
  });

  app.get<{ Params: { name: string; version: string } }>("/pypi/:name/:version/json", async (req, reply) => {
    const normalized = normalizeName(req.params.name);
    let wanted: string;
    try {
      wanted = canonicalVersion(req.params.version);
    } catch {
      throw packageErrors.RELEASE_NOT_FOUND(`'${req.params.version}' is not a version.`);
    }
    const key = `${normalized}\0json:${wanted}`;
    const r = await cache.get(key, async () => {
      const v = await loadProjectView(deps.db, normalized);
      const rel = v?.releases.find((x) => x.canonicalVersion === wanted);
      if (!v || !rel) return null;
      const prov = await provenanceByFile(deps, v.project.id);
      return kept(
        await renderedOffLoop(
          JSON.stringify({
            info: await info(deps, v, rel),
            last_serial: v.project.serial,
            urls: rel.files.map((f) => fileDict(origin, rel, f, prov)),
            vulnerabilities: [],
          }),
          "application/json",
        ),
        v.project.id,
      );
    });
    if (!r)
      throw packageErrors.RELEASE_NOT_FOUND(`No release ${req.params.version} of '${req.params.name}'.`);
    deps.replay.allowKept(req, cache, key, PUBLIC_READ);
    return sendRendered(req, reply, r, PYPI_CACHING);
  });
}
