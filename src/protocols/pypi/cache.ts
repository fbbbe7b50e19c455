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
 * Index and JSON responses are rendered once per change and kept in memory. Entries are grouped by
 * project id; the change feed (in-process, or Redis pub/sub across instances) drops a project's group
 * when anything in it changes, and "*" drops everything (e.g. after a Redis reconnect).
 */
export class RenderCache {
  private groups = new Map<string, Map<string, Promise<Rendered | null>>>();
  /** Normalized name → project id, so a request finds its group without a database query. */
  private readonly ids = new Map<string, string>();

  constructor(
    changes: ChangeFeed,
    private readonly maxGroups = 10_000,
  ) {
    changes.subscribe((projectId) => {
      if (projectId === "*") this.groups.clear();
      else this.groups.delete(projectId);
      // Any change can add a project or a name to the root listing.
      this.groups.delete("__root__");
    });
  }

  /**
   * The rendering of `key` for the project named `name`. The first request for a name loads it (and
   * learns its id); later ones are served from memory until the project changes.
   */
  async forProject(
    name: string,
    key: string,
    load: () => Promise<{ id: string; render: () => Rendered } | null>,
  ): Promise<Rendered | null> {
    const id = this.ids.get(name);
    if (id) return this.get(id, key, async () => (await load())?.render() ?? null);
    const loaded = await load();
    if (!loaded) return null;
    if (this.ids.size > this.maxGroups) this.ids.clear();
    this.ids.set(name, loaded.id);
    const r = loaded.render();
    return this.get(loaded.id, key, async () => r);
  }

  /** Returns the cached rendering or makes it once, even under concurrent requests. */
  get(group: string, key: string, make: () => Promise<Rendered | null>): Promise<Rendered | null> {
    let g = this.groups.get(group);
    if (!g) {
      if (this.groups.size >= this.maxGroups) this.groups.delete(this.groups.keys().next().value as string);
      g = new Map();
      this.groups.set(group, g);
    }
    let hit = g.get(key);
    if (!hit) {
      hit = make().catch((e: unknown) => {
        g.delete(key);
        throw e;
      });
      g.set(key, hit);
    }
    return hit;
  }
}

/** Sends a cached rendering with conditional GET (304) and gzip when the client accepts it. */
export function sendRendered(
  req: FastifyRequest,
  reply: FastifyReply,
  r: Rendered,
  cacheControl = "max-age=60, public",
): FastifyReply {
  reply
    .header("etag", r.etag)
    .header("vary", "Accept, Accept-Encoding")
    .header("cache-control", cacheControl)
    .header("content-type", r.contentType);
  const inm = req.headers["if-none-match"];
  if (inm?.split(",").some((t) => t.trim() === r.etag)) return reply.status(304).send();
  if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    return reply.header("content-encoding", "gzip").send(r.gzip);
  }
  return reply.send(r.body);
}
