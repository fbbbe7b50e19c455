import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { downloads } from "../../http/blob-cache.js";
import type { ReplayAllowance } from "../../http/replay.js";
import { type CachePolicy, sendRendered } from "../../http/send.js";
import { BlobNotFoundError } from "../../storage/index.js";
import { checkReader, requireAuth } from "./auth.js";
import { npmErrors } from "./errors.js";
import type { PackageState } from "./packument.js";
import type { PackagePath } from "./paths.js";
import { type PackageStates, wantsAbbreviated } from "./state.js";

/** Clients revalidate every time (cheap: a 304 from memory); a shared cache may keep it briefly. */
const NPM_CACHING: CachePolicy = {
  cacheControl: "public, max-age=0, must-revalidate",
  vary: "Accept, Accept-Encoding, Authorization",
};

const notFound = (name: string) =>
  npmErrors.PACKAGE_NOT_FOUND(`No package named '${name}' on this registry.`);

/** GET of a package path: packument (full or abbreviated), one version's manifest, or a tarball. */
export async function handleRead(
  deps: Deps,
  states: PackageStates,
  req: FastifyRequest,
  reply: FastifyReply,
  p: PackagePath,
  replayAs: ReplayAllowance,
): Promise<FastifyReply> {
  // A dead token in .npmrc is reported even on reads, so the user learns to log in again.
  await checkReader(deps, req);
  if (p.kind === "package" && (req.query as Record<string, unknown>).write === "true") {
    // Read-modify-write clients (unpublish, owner, deprecate) need the current _rev, not a cached one.
    await requireAuth(deps, req);
    return sendRendered(req, reply, await states.freshFull(p.name), NPM_CACHING);
  }
  const state = await states.get(p.name);
  if (!state) throw notFound(p.name);
  if (p.kind === "package") {
    const doc = wantsAbbreviated(req) ? state.abbreviated : state.full;
    if (!doc) throw npmErrors.PACKAGE_NOT_FOUND(`Every version of ${p.name} was unpublished.`);
    // Every package is public (publish.ts): the same bytes for every reader (http/replay.ts).
    deps.replay.allow(req, state.projectId, replayAs);
    return sendRendered(req, reply, doc, NPM_CACHING);
  }
  if (p.kind === "version") {
    if (!state.full) throw notFound(p.name);
    const m = versionManifest(state, p.spec);
    if (!m) throw npmErrors.VERSION_NOT_FOUND(`${p.name} has no version or dist-tag '${p.spec}'.`);
    deps.replay.allow(req, state.projectId, replayAs);
    return reply
      .header("cache-control", "public, max-age=0, must-revalidate")
      .header("content-type", "application/json; charset=utf-8")
      .send(m);
  }
  if (p.kind === "tarball")
    return sendTarball(deps, req, reply, state.tarballs.get(p.file), p.file, replayAs);
  throw npmErrors.NOT_FOUND();
}

/**
 * One version's manifest, from the package's rendered state: the bytes the full packument holds for it
 * (its fragment), so a request neither parses the packument nor serialises the manifest. Parsing the
 * packument per request cost 0.7 / 7.7 / 58-82 ms of CPU at 50 / 500 / 5,000 versions (issue 15, item 4).
 */
function versionManifest(state: PackageState, spec: string): Buffer | null {
  const version = Object.hasOwn(state.tags, spec) ? state.tags[spec] : spec;
  return version === undefined ? null : (state.manifests.get(version) ?? null);
}

async function sendTarball(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  entry: { projectId: string; blobKey: string; size: number; sha256: string } | undefined,
  file: string,
  replayAs: ReplayAllowance,
): Promise<FastifyReply> {
  if (!entry) throw npmErrors.NOT_FOUND(`No tarball named '${file}'.`);
  const etag = `"${entry.sha256}"`;
  reply
    .header("etag", etag)
    // Versions are immutable and never reused, so a tarball URL always means the same bytes.
    .header("cache-control", "public, max-age=31536000, immutable")
    .header("content-type", "application/octet-stream")
    .header("content-length", entry.size);
  if (req.headers["if-none-match"]?.split(",").some((t) => t.trim() === etag)) {
    deps.replay.allow(req, entry.projectId, replayAs);
    return reply.status(304).send();
  }
  try {
    const count = () => deps.downloads.count(entry.projectId, deps.clock.now());
    if (req.method === "GET") count();
    // Small tarballs from the shared download cache (http/blob-cache.ts), larger ones streamed (and
    // then not replayed: only a body in memory is).
    const body = await downloads.read(deps.blobs, entry.blobKey, entry.size);
    // A replayed download still counts as one.
    if (body) deps.replay.allow(req, entry.projectId, { ...replayAs, onServe: count });
    return reply.send(body ?? (await deps.blobs.get(entry.blobKey)));
  } catch (e) {
    if (e instanceof BlobNotFoundError) throw npmErrors.NOT_FOUND(`No tarball named '${file}'.`);
    throw e;
  }
}

export function registerMisc(app: FastifyInstance, deps: Deps): void {
  app.get("/npm/-/ping", async () => ({}));
  app.get("/npm/-/whoami", async (req) => {
    const auth = await requireAuth(deps, req);
    return { username: auth.user.username };
  });
}
