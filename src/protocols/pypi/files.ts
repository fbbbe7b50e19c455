import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
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

/**
 * `/files/<ecosystem>/<aa>/<bb>/<sha256>/<filename>[.metadata]`: immutable content, so a strong ETag
 * (the sha256) and a year of caching. Each full download of a distribution counts toward the
 * project's daily statistics (batched: packages/downloads.ts).
 */
export function registerFiles(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { eco: string; a: string; b: string; sha: string; filename: string } }>(
    "/files/:eco/:a/:b/:sha/:filename",
    async (req, reply) => {
      const { eco, sha } = req.params;
      let filename = req.params.filename;
      const wantsMetadata = filename.endsWith(".metadata");
      if (wantsMetadata) filename = filename.slice(0, -".metadata".length);
      const file = await findFileByName(deps.db, filename);
      if (!file || file.sha256 !== sha || !file.blobKey.startsWith(`${eco}/`))
        throw packageErrors.FILE_NOT_FOUND();
      // A quarantined project's files are kept for inspection, never served (issue 18 item 3).
      if ((await getProjectById(deps.db, file.projectId))?.quarantinedAt)
        throw packageErrors.FILE_NOT_FOUND();
      const key = wantsMetadata ? file.metadataBlobKey : file.blobKey;
      if (!key) throw packageErrors.FILE_NOT_FOUND();
      const size = wantsMetadata ? ((await deps.blobs.stat(key))?.size ?? 0) : file.size;
      const etag = `"${wantsMetadata ? file.metadataSha256 : file.sha256}"`;
      reply
        .header("etag", etag)
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("accept-ranges", "bytes")
        .header("content-type", wantsMetadata ? "text/plain; charset=utf-8" : "application/octet-stream")
        .header("x-content-type-options", "nosniff");
      if (req.headers["if-none-match"]?.split(",").some((t) => t.trim() === etag))
        return reply.status(304).send();
      const range =
        req.headers["if-range"] && req.headers["if-range"] !== etag
          ? null
          : parseRange(req.headers.range, size);
      if (range === "unsatisfiable") {
        return reply.status(416).header("content-range", `bytes */${size}`).send();
      }
      try {
        const stream = await deps.blobs.get(key, range ?? undefined);
        if (!wantsMetadata && req.method === "GET" && (!range || range.start === 0))
          deps.downloads.count(file.projectId, deps.clock.now());
        if (range) {
          return reply
            .status(206)
            .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
            .header("content-length", range.end - range.start + 1)
            .send(stream);
        }
        return reply.header("content-length", size).send(stream);
      } catch (e) {
        if (e instanceof BlobNotFoundError) throw packageErrors.FILE_NOT_FOUND();
        throw e;
      }
    },
  );
}
