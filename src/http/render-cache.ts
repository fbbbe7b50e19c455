import { createHash, webcrypto } from "node:crypto";
import { promisify } from "node:util";
import { gzip, gzipSync } from "node:zlib";
import type { ChangeFeed } from "../packages/index.js";

/** A response rendered once: the bytes, their gzip, and a strong ETag. */
export interface Rendered {
  body: Buffer;
  gzip: Buffer;
  etag: string;
  contentType: string;
}

export function rendered(text: string, contentType: string): Rendered {
  return renderedBuffer(Buffer.from(text, "utf8"), contentType);
}

const gzipAsync = promisify(gzip);
const etagOf = (digest: Buffer) => `"${digest.toString("base64url").slice(0, 27)}"`;

/** Below this, compressing and hashing on the event loop costs less than handing them to a thread. */
const OFF_LOOP_BYTES = 64 * 1024;

/**
 * rendered() for bodies that can be large (packuments, PyPI indexes of long histories): the gzip and
 * the hash run in libuv's thread pool, so the event loop serves other requests meanwhile. Gzipping a
 * 5,000-version packument (9.5 MB) on the event loop held every other request for its whole duration
 * (issue 15 item 2). Same bytes and the same ETag as rendered().
 */
export async function renderedOffLoop(content: string | Buffer, contentType: string): Promise<Rendered> {
  const body = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  if (body.length < OFF_LOOP_BYTES) return renderedBuffer(body, contentType);
  const [gz, digest] = await Promise.all([
    gzipAsync(body, { level: 6 }),
    webcrypto.subtle.digest("SHA-256", body),
  ]);
  return { body, gzip: gz, etag: etagOf(Buffer.from(digest)), contentType };
}

function renderedBuffer(body: Buffer, contentType: string): Rendered {
  return {
    body,
    gzip: gzipSync(body, { level: 6 }),
    etag: etagOf(createHash("sha256").update(body).digest()),
    contentType,
  };
}

/** Bytes a rendering holds in memory (both variants). */
export const renderedBytes = (r: Rendered): number => r.body.length + r.gzip.length;

/** The group of entries that any change at all drops (e.g. the root listing: any change can add a name). */
export const ANY_PROJECT = "\0any";

/** What a load found: the value to serve, the project whose changes drop it, and its size in bytes. */
export interface Loaded<T> {
  value: T;
  group: string;
  bytes: number;
}

export interface RenderCacheLimits {
  maxEntries?: number;
  maxBytes?: number;
}

/**
 * Responses rendered once per change and kept in memory, for every protocol (simple index, JSON API,
 * packuments). Entries are grouped by project id; the change feed (in-process, or Redis pub/sub
 * across instances) drops a project's group when anything in it changes, and "*" drops everything
 * (e.g. after a Redis reconnect, when messages may have been missed).
 *
 * The generation guard: a load that was in flight while any change arrived is served to the requests
 * that share it but never kept. It may have read the database before the change committed, and
 * keeping it would pin a stale index until the project changes again — pip would not see the new
 * version (issue 12: 3–4 of 300 raced projects on PostgreSQL). The counter is global because a first
 * load does not know its project id until it finishes; it only ever errs towards re-rendering.
 *
 * Hot path: a hit returns the stored promise itself, so a request costs no new promise (bench/pypi.mjs).
 */
export class RenderCache<T> {
  private entries = new Map<string, Promise<T | null>>();
  private groups = new Map<string, Set<string>>();
  /** Kept entries: their group (to leave it when evicted) and their size. */
  private kept = new Map<string, { group: string; bytes: number }>();
  /** Keys whose load has not finished: their group is not known yet, so any change detaches them. */
  private pending = new Set<string>();
  private generation = 0;
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(changes: ChangeFeed, limits: RenderCacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 10_000;
    this.maxBytes = limits.maxBytes ?? 512 * 1024 * 1024;
    changes.subscribe((projectId) => this.invalidate(projectId));
  }

  private invalidate(projectId: string): void {
    this.generation++;
    if (projectId === "*") {
      this.clear();
      return;
    }
    this.dropGroup(projectId);
    this.dropGroup(ANY_PROJECT);
    // A request that arrives after the commit must not join a load that may have read before it.
    for (const key of this.pending) this.entries.delete(key);
    this.pending.clear();
  }

  private clear(): void {
    this.entries.clear();
    this.groups.clear();
    this.kept.clear();
    this.pending.clear();
    this.bytes = 0;
  }

  private dropGroup(group: string): void {
    for (const key of [...(this.groups.get(group) ?? [])]) this.drop(key);
  }

  private drop(key: string): void {
    this.entries.delete(key);
    this.pending.delete(key);
    const k = this.kept.get(key);
    if (!k) return;
    this.kept.delete(key);
    this.bytes -= k.bytes;
    const set = this.groups.get(k.group);
    set?.delete(key);
    if (set?.size === 0) this.groups.delete(k.group);
  }

  /**
   * The cached value of `key`, or `load()` it once (concurrent requests share one load). Not found
   * (null) is not kept: the name may be published any moment, and until then no feed message names it.
   */
  get(key: string, load: () => Promise<Loaded<T> | null>): Promise<T | null> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const gen = this.generation;
    const p: Promise<T | null> = load().then(
      (v) => {
        const current = this.entries.get(key) === p;
        if (current) this.pending.delete(key);
        if (!v || gen !== this.generation || !current) {
          if (current) this.entries.delete(key);
          return v?.value ?? null;
        }
        this.bytes += v.bytes;
        this.kept.set(key, { group: v.group, bytes: v.bytes });
        const set = this.groups.get(v.group) ?? new Set<string>();
        set.add(key);
        this.groups.set(v.group, set);
        this.evict();
        return v.value;
      },
      (e: unknown) => {
        if (this.entries.get(key) === p) this.drop(key);
        throw e;
      },
    );
    this.entries.set(key, p);
    this.pending.add(key);
    return p;
  }

  /**
   * The project a kept entry belongs to, or undefined when it is not kept (still loading, or its load
   * raced a change and was served without being kept): what http/replay.ts may keep an answer under.
   */
  groupOf(key: string): string | undefined {
    return this.kept.get(key)?.group;
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
