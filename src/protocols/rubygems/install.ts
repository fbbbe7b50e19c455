import { deflateSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { parseGemspec, specMarshal } from "../../ecosystems/rubygems/index.js";
import { downloads } from "../../http/blob-cache.js";
import { RenderCache } from "../../http/render-cache.js";
import { PUBLIC_READ } from "../../http/replay.js";
import { findFileByName, getProjectById, isReleaseLive } from "../../packages/index.js";
import { BlobNotFoundError, readAll } from "../../storage/index.js";
import {
  type IndexFile,
  infoKey,
  loadInfo,
  loadNames,
  loadVersions,
  NAMES_KEY,
  sendIndexFile,
  VERSIONS_KEY,
} from "./compact-index.js";
import { gemErrors } from "./errors.js";

/**
 * A stored .gem as installers may see it: its project not quarantined and its version not yanked (a
 * yanked gem is gone from the index and from downloads, as on rubygems.org).
 */
async function installableFile(deps: Deps, filename: string) {
  const file = await findFileByName(deps.db, filename);
  if (!file || file.packagetype !== "gem" || !file.blobKey.startsWith("rubygems/")) return null;
  const project = await getProjectById(deps.db, file.projectId);
  if (!project || project.quarantinedAt) return null;
  if (!(await isReleaseLive(deps.db, file.releaseId))) return null;
  return { file, project };
}

/**
 * What `gem install` and `bundle install` fetch (docs/protocols/rubygems.md): `HEAD /rubygems/` (a
 * 2xx makes gem use the compact index), `versions`, `info/<name>`, `names`, the Marshal'd gemspec of
 * the chosen version under `quick/Marshal.4.8/`, and the .gem under `gems/`.
 */
export function registerInstall(app: FastifyInstance, deps: Deps): void {
  const cache = new RenderCache<IndexFile>(deps.changes, { maxEntries: 20_000 });
  const specs = new RenderCache<Buffer>(deps.changes, { maxEntries: 20_000, maxBytes: 64 * 1024 * 1024 });
  // What a .gem URL serves, looked up once per change of its project (a yank or a quarantine drops it
  // on every instance); its bytes come from the shared download cache. Three queries and a stream per
  // download were 4–6% of the ceiling (bench/rubygems.mjs).
  const gems = new RenderCache<{ projectId: string; blobKey: string; size: number; etag: string }>(
    deps.changes,
    { maxEntries: 50_000 },
  );

  app.get("/rubygems/", async (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send(`${deps.config.siteName} RubyGems index\n`),
  );
  // The compact index and the downloads are public and read no credentials: kept answers may be
  // replayed, whether or not a request carries a key (http/replay.ts).
  app.get("/rubygems/versions", async (req, reply) => {
    const f = (await loadVersions(deps, cache))!;
    deps.replay.allowKept(req, cache, VERSIONS_KEY, PUBLIC_READ);
    return sendIndexFile(req, reply, f);
  });
  app.get("/rubygems/names", async (req, reply) => {
    const f = (await loadNames(deps, cache))!;
    deps.replay.allowKept(req, cache, NAMES_KEY, PUBLIC_READ);
    return sendIndexFile(req, reply, f);
  });
  app.get<{ Params: { name: string } }>("/rubygems/info/:name", async (req, reply) => {
    const info = await loadInfo(deps, cache, req.params.name);
    if (!info || info.versions.length === 0) throw gemErrors.GEM_NOT_FOUND();
    deps.replay.allowKept(req, cache, infoKey(req.params.name), PUBLIC_READ);
    return sendIndexFile(req, reply, info);
  });

  app.get<{ Params: { file: string } }>("/rubygems/quick/Marshal.4.8/:file", async (req, reply) => {
    const m = /^(.+)\.gemspec\.rz$/.exec(req.params.file);
    if (!m) throw gemErrors.GEM_NOT_FOUND();
    const filename = `${m[1]}.gem`;
    const body = await specs.get(filename, async () => {
      const found = await installableFile(deps, filename);
      if (!found?.file.metadataBlobKey) return null;
      const yaml = await readAll(await deps.blobs.get(found.file.metadataBlobKey));
      const rz = deflateSync(specMarshal(parseGemspec(yaml.toString("utf8"))));
      return { value: rz, group: found.project.id, bytes: rz.length };
    });
    if (!body) throw gemErrors.GEM_NOT_FOUND();
    return reply
      .type("application/octet-stream")
      .header("cache-control", "max-age=60, public")
      .header("content-length", body.length)
      .send(body);
  });

  app.get<{ Params: { file: string } }>("/rubygems/gems/:file", async (req, reply) => {
    const gem = await gems.get(req.params.file, async () => {
      const found = await installableFile(deps, req.params.file);
      if (!found) return null;
      const { blobKey, size, sha256 } = found.file;
      const value = { projectId: found.project.id, blobKey, size, etag: `"${sha256}"` };
      return { value, group: found.project.id, bytes: 256 };
    });
    if (!gem) throw gemErrors.GEM_NOT_FOUND();
    try {
      const cached = await downloads.read(deps.blobs, gem.blobKey, gem.size);
      const body = cached ?? (await deps.blobs.get(gem.blobKey));
      const { projectId } = gem;
      const count = () => deps.downloads.count(projectId, deps.clock.now());
      if (req.method === "GET") count();
      // A body in memory may be replayed; a replayed download still counts as one.
      if (cached) deps.replay.allow(req, projectId, { ...PUBLIC_READ, onServe: count });
      return reply
        .type("application/octet-stream")
        .header("etag", gem.etag)
        .header("cache-control", "max-age=60, public")
        .header("content-length", gem.size)
        .send(body);
    } catch (e) {
      if (e instanceof BlobNotFoundError) throw gemErrors.GEM_NOT_FOUND();
      throw e;
    }
  });
}
