import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { downloads } from "../../http/blob-cache.js";
import { type Loaded, RenderCache } from "../../http/render-cache.js";
import { PUBLIC_READ } from "../../http/replay.js";
import { findFileByName, getProjectById, packageErrors } from "../../packages/index.js";
import { BlobNotFoundError } from "../../storage/index.js";

/** Parses a single `bytes=` range (RFC 9110 §14.1.2); null for none, "unsatisfiable" when out of range. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | "unsatisfiable" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // multiple or odd ranges: send the whole file
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** What one file URL serves, found once per project change. */
interface ServedFile {
  projectId: string;
  key: string;
  size: number;
  etag: string;
  metadata: boolean;
}

/**
 * `/files/<ecosystem>/<aa>/<bb>/<sha256>/<filename>[.metadata]`: immutable content, so a strong ETag
 * (the sha256) and a year of caching. Each full download of a distribution counts toward the
 * project's daily statistics (batched: packages/downloads.ts).
 *
 * Lookups are kept in a render cache grouped by project: a change to the project (a deleted file, a
 * quarantine) drops them on every instance through the change feed, and what is not found is never
 * kept. The bytes of files up to 4 MiB come from the shared download cache (http/blob-cache.ts): a
 * download of a 2-11 KiB file used to cost two queries plus an open, fstat, read and close, 3-6% of
 * what a bare server serves from memory (issue 15, item 6).
 */
export function registerFiles(app: FastifyInstance, deps: Deps): void {
  const served = new RenderCache<ServedFile>(deps.changes, { maxEntries: 50_000 });

  async function find(eco: string, sha: string, name: string): Promise<Loaded<ServedFile> | null> {
    const metadata = name.endsWith(".metadata");
    const filename = metadata ? name.slice(0, -".metadata".length) : name;
    const file = await findFileByName(deps.db, filename);
    if (!file || file.sha256 !== sha || !file.blobKey.startsWith(`${eco}/`)) return null;
    // A quarantined project's files are kept for inspection, never served (issue 18 item 3).
    if ((await getProjectById(deps.db, file.projectId))?.quarantinedAt) return null;
    const key = metadata ? file.metadataBlobKey : file.blobKey;
    if (!key) return null;
    const size = metadata ? ((await deps.blobs.stat(key))?.size ?? 0) : file.size;
    const etag = `"${metadata ? file.metadataSha256 : file.sha256}"`;
    const value = { projectId: file.projectId, key, size, etag, metadata };
    return { value, group: file.projectId, bytes: 256 };
  }

  app.get<{ Params: { eco: string; a: string; b: string; sha: string; filename: string } }>(
    "/files/:eco/:a/:b/:sha/:filename",
    async (req, reply) => {
      const { eco, sha, filename } = req.params;
      let file: ServedFile | null;
      try {
        file = await served.get(`${eco}/${sha}/${filename}`, () => find(eco, sha, filename));
      } catch (e) {
        if (e instanceof BlobNotFoundError) throw packageErrors.FILE_NOT_FOUND();
        throw e;
      }
      if (!file) throw packageErrors.FILE_NOT_FOUND();
      const { size, etag } = file;
      reply
        .header("etag", etag)
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("accept-ranges", "bytes")
        .header("content-type", file.metadata ? "text/plain; charset=utf-8" : "application/octet-stream")
        .header("x-content-type-options", "nosniff");
      if (req.headers["if-none-match"]?.split(",").some((t) => t.trim() === etag)) {
        deps.replay.allow(req, file.projectId, PUBLIC_READ);
        return reply.status(304).send();
      }
      const range =
        req.headers["if-range"] && req.headers["if-range"] !== etag
          ? null
          : parseRange(req.headers.range, size);
      if (range === "unsatisfiable") {
        return reply.status(416).header("content-range", `bytes */${size}`).send();
      }
      try {
        const whole = await downloads.read(deps.blobs, file.key, size);
        const body = whole
          ? range
            ? whole.subarray(range.start, range.end + 1)
            : whole
          : await deps.blobs.get(file.key, range ?? undefined);
        const projectId = file.projectId;
        const count = file.metadata ? undefined : () => deps.downloads.count(projectId, deps.clock.now());
        if (count && req.method === "GET" && (!range || range.start === 0)) count();
        // Whole bodies in memory may be replayed (http/replay.ts; it never takes a Range request); a
        // replayed download still counts as one.
        if (whole && !range) deps.replay.allow(req, projectId, { ...PUBLIC_READ, onServe: count });
        if (range) {
          return reply
            .status(206)
            .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
            .header("content-length", range.end - range.start + 1)
            .send(body);
        }
        return reply.header("content-length", size).send(body);
      } catch (e) {
        if (e instanceof BlobNotFoundError) throw packageErrors.FILE_NOT_FOUND();
        throw e;
      }
    },
  );
}
