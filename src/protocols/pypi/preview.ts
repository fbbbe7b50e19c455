import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUser } from "../../accounts/index.js";
import { decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import { normalizeName } from "../../ecosystems/pypi/index.js";
import { isAppError } from "../../lib/errors.js";
import { type FileRecord, getProjectById, type ListedRelease } from "../../packages/index.js";
import { findStaged, isStageId, type StagedRelease } from "../../staging/index.js";
import { BlobNotFoundError } from "../../storage/index.js";
import { authenticateToken } from "../../tokens/index.js";
import { pypiErrors } from "./errors.js";
import { negotiate, renderPreviewRoot, renderProject } from "./simple.js";
import { fileUrl, loadProjectView, type ProjectView } from "./view.js";

/**
 * The preview index of a staged release (issue 16 item 5): `/preview/<id>/simple/` is a PEP 503 / PEP
 * 691 index like /simple/, listing the project's published files plus the staged release's, so a
 * maintainer can `pip install` the release before approving it. Only the project's maintainers read it,
 * with an API token as pip sends it (HTTP Basic, `__token__`); anyone else gets the answer an unknown
 * id gets. Nothing here is cached by a shared cache: the answers depend on who asked.
 */
export function registerPreview(app: FastifyInstance, deps: Deps): void {
  const base = (id: string) => `/preview/${id}`;
  const PRIVATE = { cacheControl: "private, no-store", vary: "Accept, Accept-Encoding, Authorization" };

  /** The staged release, if the request's token belongs to one of its project's maintainers. */
  async function readable(req: FastifyRequest, id: string): Promise<StagedRelease> {
    const actor = await reader(deps, req);
    const staged = isStageId(id) ? await findStaged(deps.db, id) : null;
    if (!staged || staged.ecosystem !== "pypi") throw pypiErrors.PREVIEW_NOT_FOUND();
    const project = await getProjectById(deps.db, staged.projectId);
    const d = await decide(deps.db, deps.config.origin, actor, "read-staged", project, deps.clock.now());
    if (!d.allow || !project || project.quarantinedAt) throw pypiErrors.PREVIEW_NOT_FOUND();
    // Only now, to a maintainer, say what became of it.
    if (staged.state !== "staged" || staged.expiresAt <= deps.clock.now())
      throw pypiErrors.PREVIEW_CLOSED(closed(staged, deps.config.origin, deps.clock.now()));
    return staged;
  }

  const send = (reply: FastifyReply, body: Buffer, contentType: string, etag: string) =>
    reply
      .header("cache-control", PRIVATE.cacheControl)
      .header("vary", PRIVATE.vary)
      .header("etag", etag)
      .header("content-type", contentType)
      .header("content-length", body.length)
      .send(body);

  app.get<{ Params: { id: string } }>("/preview/:id/simple/", async (req, reply) => {
    const staged = await readable(req, req.params.id);
    const r = renderPreviewRoot(
      staged.projectName,
      `${base(staged.id)}/simple/${staged.normalizedName}/`,
      negotiate(req),
    );
    return send(reply, r.body, r.contentType, r.etag);
  });
  app.get<{ Params: { id: string } }>("/preview/:id/simple", (req, reply) =>
    reply.redirect(`${base(encodeURIComponent(req.params.id))}/simple/`, 301),
  );

  const projectPage = async (
    req: FastifyRequest<{ Params: { id: string; name: string } }>,
    reply: FastifyReply,
    slash: boolean,
  ) => {
    const staged = await readable(req, req.params.id);
    const normalized = normalizeName(req.params.name);
    if (normalized !== staged.normalizedName)
      throw pypiErrors.PREVIEW_NOT_FOUND(
        `This preview index holds only '${staged.projectName}' ${staged.version}, not '${req.params.name}'.`,
      );
    if (normalized !== req.params.name || !slash)
      return reply.redirect(`${base(staged.id)}/simple/${normalized}/`, 301);
    const view = await loadProjectView(deps.db, normalized);
    if (!view) throw pypiErrors.PREVIEW_NOT_FOUND();
    const stagedKeys = new Set(staged.files.map((f) => f.blobKey));
    const r = await renderProject(withStaged(view, staged), negotiate(req), (f) =>
      stagedKeys.has(f.blobKey) ? `${base(staged.id)}${fileUrl(f)}` : fileUrl(f),
    );
    return send(reply, r.body, r.contentType, r.etag);
  };
  app.get<{ Params: { id: string; name: string } }>("/preview/:id/simple/:name/", (req, reply) =>
    projectPage(req, reply, true),
  );
  app.get<{ Params: { id: string; name: string } }>("/preview/:id/simple/:name", (req, reply) =>
    projectPage(req, reply, false),
  );

  // A staged file (or a wheel's PEP 658 metadata), at its published URL under the preview's prefix.
  app.get<{ Params: { id: string; "*": string } }>("/preview/:id/files/*", async (req, reply) => {
    const staged = await readable(req, req.params.id);
    const path = req.params["*"];
    const file = staged.files.find((f) => path === f.blobKey || path === `${f.blobKey}.metadata`);
    const key = file && (path === file.blobKey ? file.blobKey : file.metadataBlobKey);
    if (!file || !key) throw pypiErrors.PREVIEW_NOT_FOUND(`No file '${path}' in this staged release.`);
    try {
      const stat = await deps.blobs.stat(key);
      if (!stat) throw new BlobNotFoundError();
      const body = await deps.blobs.get(key);
      return reply
        .header("cache-control", PRIVATE.cacheControl)
        .header(
          "content-type",
          key === file.blobKey ? "application/octet-stream" : "text/plain; charset=utf-8",
        )
        .header("x-content-type-options", "nosniff")
        .header("content-length", stat.size)
        .send(body);
    } catch (e) {
      if (e instanceof BlobNotFoundError) throw pypiErrors.PREVIEW_NOT_FOUND();
      throw e;
    }
  });
}

/**
 * Who is asking, as pip sends it: HTTP Basic with `__token__` and an API token (a read-only one will
 * do). As for uploads, a password is not accepted: the preview index is not a way around MFA. Every
 * credential problem is a 401 with WWW-Authenticate, so pip asks again (or tries its keyring).
 */
async function reader(deps: Deps, req: FastifyRequest) {
  const again = (message?: string) =>
    pypiErrors.PREVIEW_AUTH_REQUIRED(message, {
      headers: { "www-authenticate": 'Basic realm="Wharf preview index"' },
    });
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!m) throw again();
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(0, colon) !== "__token__")
    throw again(
      `Passwords are not accepted here: use username __token__ and an API token from ${deps.config.origin}/account/tokens`,
    );
  try {
    // A trusted publisher's token only uploads (authenticateToken refuses it without `publish`).
    const token = await authenticateToken(
      deps.db,
      deps.tokenUsage,
      deps.clock.now(),
      decoded.slice(colon + 1).trim(),
      {
        read: true,
        ip: req.ip,
      },
    );
    const user = await getUser(deps.db, token.userId);
    if (!user) throw again();
    return { userId: user.id, emailVerified: user.emailVerified, token };
  } catch (e) {
    if (isAppError(e) && e.status === 403) throw again(e.message);
    throw e;
  }
}

function closed(s: StagedRelease, origin: string, now: number): string {
  const what = `${s.projectName} ${s.version}`;
  if (s.state === "approved") return `${what} was approved and published: install it from ${origin}/simple/`;
  if (s.state === "rejected") return `${what} was rejected and its files removed.`;
  if (s.state === "expired" || s.expiresAt <= now)
    return `${what} expired before anyone approved it and its files were removed.`;
  return `${what} is no longer waiting for approval.`;
}

/** The published releases plus the staged one, in the ecosystem's version order. */
function withStaged(view: ProjectView, s: StagedRelease): ProjectView {
  const releaseId = `staged:${s.id}`;
  const files: FileRecord[] = s.files.map((f) => ({
    id: f.id,
    releaseId,
    filename: f.filename,
    packagetype: f.record.packagetype,
    pythonVersion: f.record.pythonVersion ?? null,
    requiresPython: f.record.requiresPython ?? null,
    size: f.size,
    sha256: f.sha256,
    blake2b256: f.record.blake2b256,
    md5: f.record.md5,
    blobKey: f.blobKey,
    metadataSha256: f.record.metadataSha256 ?? null,
    metadataBlobKey: f.metadataBlobKey,
    uploadedAt: s.createdAt,
  }));
  // As the index lists releases (ListedRelease): neither description nor metadata, which it does not show.
  const { description: _d, metadata: _m, ...release } = s.release;
  const staged: ListedRelease = {
    ...release,
    metadataRev: 0,
    id: releaseId,
    projectId: s.projectId,
    createdAt: s.createdAt,
    yankedAt: null,
    yankedReason: null,
    files,
  };
  const { compareVersions } = ecosystemFor("pypi");
  const releases = [...view.releases, staged].sort((a, b) => compareVersions(a.version, b.version));
  return { project: view.project, releases };
}
