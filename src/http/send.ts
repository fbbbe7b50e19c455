import type { FastifyReply, FastifyRequest } from "fastify";
import { bodyLength, chunkStream, type Rendered } from "./render-cache.js";

/** How a protocol lets clients and shared caches keep its renderings. */
export interface CachePolicy {
  cacheControl: string;
  /** Every request header the rendering depends on (RFC 9110 §12.5.5), so shared caches key on them. */
  vary: string;
}

/**
 * True unless the client refuses gzip. Clients send the same few headers over and over, so the
 * common answers skip parsing; `gzip;q=0` means "never gzip" (RFC 9110 §12.5.3).
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header?.includes("gzip")) return false;
  if (!header.includes("q=")) return /\bgzip\b/.test(header);
  for (const part of header.split(",")) {
    const [coding, ...params] = part.trim().split(";");
    if (coding?.trim().toLowerCase() !== "gzip") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** Weak comparison (RFC 9110 §13.1.2): a client may send back our strong tag marked W/. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/**
 * Sends a rendering: conditional GET (304 from memory), the precompressed gzip variant when the
 * client accepts it, and an explicit Content-Length (no chunked encoding for a body we already hold).
 */
export function sendRendered(
  req: FastifyRequest,
  reply: FastifyReply,
  r: Rendered,
  policy: CachePolicy,
): FastifyReply {
  reply
    .header("etag", r.etag)
    .header("vary", policy.vary)
    .header("cache-control", policy.cacheControl)
    .header("content-type", r.contentType);
  if (matches(req.headers["if-none-match"], r.etag)) return reply.status(304).send();
  if (acceptsGzip(req.headers["accept-encoding"])) {
    return reply.header("content-encoding", "gzip").header("content-length", r.gzip.length).send(r.gzip);
  }
  reply.header("content-length", bodyLength(r));
  // A rendering in blocks is written block by block, never joined into one buffer (render-cache.ts).
  return r.chunks ? reply.send(chunkStream(r.chunks)) : reply.send(r.body);
}
