import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ChangeFeed } from "../../packages/index.js";

/** A response rendered once: the bytes, their gzip, and a strong ETag. */
export interface Rendered {
  body: Buffer;
  gzip: Buffer;
  etag: string;
  contentType: string;
}

export function rendered(text: string, contentType: string): Rendered {
  const body = Buffer.from(text, "utf8");
  return {
    body,
    gzip: gzipSync(body, { level: 6 }),
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    contentType,
  };
}

/**
 * Per-package state rendered once per change: both packuments and the tarball index. Entries are
 * dropped when the change feed (in-process, or Redis pub/sub across instances) names their project.
 *
 * A load that was in flight while any change arrived is served to its own request but not kept: it
 * may have read the database before the change committed, and keeping it would pin stale data until
 * the next change. (A global generation counter is coarse, but only ever errs towards re-rendering.)
 */
export class PackageCache<T extends { projectId: string; bytes: number }> {
  private entries = new Map<string, Promise<T | null>>();
  private names = new Map<string, Set<string>>();
  private sizes = new Map<string, number>();
  private generation = 0;
  private bytes = 0;

  constructor(
    changes: ChangeFeed,
    private readonly maxEntries = 2_000,
    private readonly maxBytes = 512 * 1024 * 1024,
  ) {
    changes.subscribe((projectId) => {
      this.generation++;
      if (projectId === "*") return this.clear();
      for (const name of this.names.get(projectId) ?? []) this.drop(name);
      this.names.delete(projectId);
    });
  }

  private clear(): void {
    this.entries.clear();
    this.names.clear();
    this.sizes.clear();
    this.bytes = 0;
  }

  private drop(name: string): void {
    this.entries.delete(name);
    this.bytes -= this.sizes.get(name) ?? 0;
    this.sizes.delete(name);
  }

  /** The cached state of `name`, or `load()` it once (concurrent requests share one load). */
  get(name: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = this.entries.get(name);
    if (hit) return hit;
    const gen = this.generation;
    const p = load().then(
      (v) => {
        // Not found is not kept: the name may be published any moment, and no feed message names it.
        if (!v || gen !== this.generation || this.entries.get(name) !== p) {
          if (this.entries.get(name) === p) this.entries.delete(name);
          return v;
        }
        this.bytes += v.bytes;
        this.sizes.set(name, v.bytes);
        const set = this.names.get(v.projectId) ?? new Set<string>();
        set.add(name);
        this.names.set(v.projectId, set);
        this.evict();
        return v;
      },
      (e: unknown) => {
        if (this.entries.get(name) === p) this.entries.delete(name);
        throw e;
      },
    );
    this.entries.set(name, p);
    return p;
  }

  /** Oldest first, until both budgets hold. */
  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }
}

/** Sends a rendering with conditional GET (304) and gzip when the client accepts it. */
export function sendRendered(req: FastifyRequest, reply: FastifyReply, r: Rendered): FastifyReply {
  reply
    .header("etag", r.etag)
    .header("vary", "Accept, Accept-Encoding, Authorization")
    // Clients revalidate every time (cheap: a 304 from memory); a shared cache may keep it briefly.
    .header("cache-control", "public, max-age=0, must-revalidate")
    .header("content-type", r.contentType);
  const inm = req.headers["if-none-match"];
  if (inm?.split(",").some((t) => t.trim().replace(/^W\//, "") === r.etag)) return reply.status(304).send();
  if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    return reply.header("content-encoding", "gzip").header("content-length", r.gzip.length).send(r.gzip);
  }
  return reply.header("content-length", r.body.length).send(r.body);
}
