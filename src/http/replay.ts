import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { ChangeFeed } from "../packages/index.js";
import { ANY_PROJECT, CHUNKS } from "./render-cache.js";

/**
 * Anonymous reads answered again without going through Fastify (issue 15: small cached responses cost
 * 1.6–2.4× a bare node:http server's CPU, nearly all of it per-request machinery — request and reply
 * objects, routing, hooks, a child logger — around a body that was already in memory).
 *
 * A handler that has just served a public rendering says so with `allow(req, projectId)`. When that
 * response is done, its final status, headers and body are kept under its URL and the values of the
 * request headers it varies on (its own Vary header, plus If-None-Match). The next request for the
 * same URL with the same values, no credentials and no cookies is answered from that record by the
 * server's request listener, before Fastify sees it, with the same bytes (only Date and X-Request-Id
 * differ, as they do between any two responses), the same access-log line and the same metrics.
 *
 * What keeps it correct, by construction rather than by a list of routes:
 * - it holds only what a handler chose to allow, and a handler allows only responses that are the
 *   same for every anonymous client (never an error, never a staged file, never per-user content);
 * - requests with Cookie never take it, nor do Range, If-Range or If-Modified-Since; requests with
 *   Authorization take only answers of routes that said what credentials mean to them: "ignored"
 *   (PyPI's and RubyGems' install reads never look at them), or a check that must pass for each
 *   request (npm's reads: a token the verified-token cache vouches for, from an allowed address;
 *   anything else — unknown, revoked, expired, not cached — goes to the route, which gives a dead
 *   token its 401);
 * - records are dropped with the project's rendered indexes: the same change feed, the same groups
 *   (a project id, or ANY_PROJECT for the root listing), "*" drops all of it;
 * - the generation guard of render-cache.ts: a response whose request arrived before a change it did
 *   not see is served to its client but not kept;
 * - a download's side effect (the download count) is a callback the handler gives and the replay runs.
 */

const ARRIVED = Symbol("wharf.replay.generation");
const ALLOWED = Symbol("wharf.replay.allowed");
const PAYLOAD = Symbol("wharf.replay.payload");

/** How a handler allows its answer to be replayed. */
export interface ReplayAllowance {
  /** Run for each replay: e.g. the download count a download adds. */
  onServe?: () => void;
  /**
   * "ignored": the route never reads Authorization, so the answer is also right for requests that carry
   * one (pip with a token in its index URL). A function: the answer is the same for every client the
   * route lets read, and the function says, without waiting, whether this request's credentials are
   * such a client's (false: the route decides). Absent: only requests without credentials get it.
   */
  credentials?: "ignored" | ((req: IncomingMessage) => boolean);
}

/**
 * For routes that never read credentials: PyPI's and RubyGems' install side (pip may send a token in
 * its index URL, gem its key; the answer is the same without them).
 */
export const PUBLIC_READ: ReplayAllowance = { credentials: "ignored" };

interface Marked extends IncomingMessage {
  [ARRIVED]?: number;
  [ALLOWED]?: { group: string } & ReplayAllowance;
  [PAYLOAD]?: Body | null;
}

/** The response header that carries each request's own id. */
const REQUEST_ID_OUT = "x-request-id";

/** Request headers that are part of every record's key: a conditional request may get a 304. */
const ALWAYS_KEYED = ["if-none-match"];
/** Per URL: a few Accept / Accept-Encoding combinations is normal; more is someone varying headers. */
const MAX_VARIANTS = 8;

/** A body in memory: one buffer, or a rendering's blocks (render-cache.ts: never joined for sending). */
type Body = Buffer | readonly Buffer[];

const sizeOf = (b: Body | null | undefined): number =>
  b == null ? 0 : Buffer.isBuffer(b) ? b.length : b.reduce((n, c) => n + c.length, 0);

/** Response headers as name, value, name, value: what `writeHead` takes without building an object. */
type HeaderList = OutgoingHttpHeader[];

interface Variant {
  names: string[];
  values: (string | undefined)[];
  status: number;
  /**
   * The kept response's headers, flat, with the request id's value at `idSlot` (rewritten per request).
   * One list per variant, filled in and handed to `writeHead` synchronously: copying the headers into a
   * new object per request (and Node walking its keys) was a measurable share of a small replayed answer.
   */
  headers: HeaderList;
  idSlot: number;
  body: Body | null;
  route: string;
  onServe?: () => void;
  /** Who with credentials may get it: anyone ("ignored"), those the check passes, or nobody. */
  credentials?: "ignored" | ((req: IncomingMessage) => boolean);
}

interface UrlRecord {
  group: string;
  variants: Variant[];
  bytes: number;
}

/** What the replay writes besides the response: the access-log line (ops/access-log.ts) ... */
export type ReplayLog = (reqId: string, req: IncomingMessage, status: number, elapsedMs: number) => void;
/** ... and the request metrics (ops/index.ts). */
export type ReplayMetrics = (method: string, route: string, status: number, elapsedMs: number) => void;

export interface ReplayLimits {
  maxEntries?: number;
  maxBytes?: number;
}

export class ReplayCache {
  private urls = new Map<string, UrlRecord>();
  private groups = new Map<string, Set<string>>();
  private generation = 0;
  /** Answers replayed so far (tests, and how an operator can tell it works). */
  served = 0;
  private bytes = 0;
  private entries = 0;
  private log?: ReplayLog;
  private metrics?: ReplayMetrics;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(
    changes: ChangeFeed,
    private readonly requestIdHeader: string,
    limits: ReplayLimits = {},
  ) {
    this.maxEntries = limits.maxEntries ?? 20_000;
    // Bodies are the buffers the render and download caches already hold, so this mostly counts them twice.
    this.maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
    changes.subscribe((projectId) => this.invalidate(projectId));
  }

  /** The access log and the metrics are set once they exist; until both are, nothing is kept or served. */
  observeLog(log: ReplayLog): void {
    this.log = log;
  }

  observeMetrics(metrics: ReplayMetrics): void {
    this.metrics = metrics;
  }

  /**
   * The server's request listener calls this first: true when it answered. Otherwise the request goes
   * on to Fastify, marked with the generation it arrived in if it may be kept.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const { log, metrics } = this;
    if (req.method !== "GET" || !log || !metrics) return false;
    const h = req.headers;
    if (
      h.cookie !== undefined ||
      h.range !== undefined ||
      h["if-range"] !== undefined ||
      h["if-modified-since"] !== undefined
    )
      return false;
    const record = this.urls.get(req.url ?? "");
    const withCredentials = h.authorization !== undefined;
    const variant = record && findVariant(record.variants, h, withCredentials);
    const vouched =
      variant &&
      (!withCredentials || variant.credentials === "ignored" || variant.credentials?.(req) === true);
    if (!variant || !vouched) {
      (req as Marked)[ARRIVED] = this.generation;
      return false;
    }
    const start = performance.now();
    const fromClient = h[this.requestIdHeader];
    const reqId = typeof fromClient === "string" && fromClient !== "" ? fromClient : randomUUID();
    const headers = variant.headers;
    headers[variant.idSlot] = reqId;
    try {
      res.writeHead(variant.status, headers);
    } catch {
      // A request id our header rules refuse: nothing was written, so Fastify answers it instead.
      return false;
    }
    variant.onServe?.();
    this.served++;
    const body = variant.body;
    if (body === null || Buffer.isBuffer(body)) res.end(body ?? undefined);
    else {
      res.cork();
      for (const chunk of body) res.write(chunk);
      res.end();
    }
    const elapsed = performance.now() - start;
    log(reqId, req, variant.status, elapsed);
    metrics("GET", variant.route, variant.status, elapsed);
    return true;
  }

  /**
   * A handler's word that the response it is sending is public and the same for every anonymous client
   * with these request headers; `group` is the project whose changes drop it.
   */
  allow(req: { raw: IncomingMessage }, group: string, how: ReplayAllowance = {}): void {
    const raw = req.raw as Marked;
    if (raw[ARRIVED] === undefined) return;
    // A request with credentials is kept only for routes that said what they mean (it is the same answer).
    if (raw.headers.authorization !== undefined && how.credentials === undefined) return;
    raw[ALLOWED] = { group, ...how };
  }

  /** allow() for a rendering a render cache keeps, under that entry's project (none if it is not kept). */
  allowKept(
    req: { raw: IncomingMessage },
    cache: { groupOf(key: string): string | undefined },
    key: string,
    how: ReplayAllowance = {},
  ): void {
    const group = cache.groupOf(key);
    if (group !== undefined) this.allow(req, group, how);
  }

  /** onSend: the payload as Fastify will write it (after serialisation). */
  payload(req: { raw: IncomingMessage }, payload: unknown): void {
    const raw = req.raw as Marked;
    if (!raw[ALLOWED]) return;
    if (payload === null || payload === undefined || payload === "") raw[PAYLOAD] = null;
    else if (Buffer.isBuffer(payload)) raw[PAYLOAD] = payload;
    else if (typeof payload === "string") raw[PAYLOAD] = Buffer.from(payload);
    else if (payload && typeof payload === "object" && CHUNKS in payload)
      raw[PAYLOAD] = (payload as { [CHUNKS]: readonly Buffer[] })[CHUNKS];
    else raw[ALLOWED] = undefined; // a stream: not kept
  }

  /** onResponse: the response as written (its final headers). */
  keep(
    req: { raw: IncomingMessage; routeOptions: { url?: string } },
    reply: { statusCode: number; getHeaders(): Record<string, string | number | string[] | undefined> },
  ): void {
    const raw = req.raw as Marked;
    const allowed = raw[ALLOWED];
    const body = raw[PAYLOAD];
    if (!allowed || body === undefined || raw[ARRIVED] !== this.generation) return;
    if (reply.statusCode !== 200 && reply.statusCode !== 304) return;
    const headers = reply.getHeaders();
    if (headers["set-cookie"] !== undefined) return;
    const vary = String(headers.vary ?? "")
      .toLowerCase()
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    if (vary.includes("*")) return;
    // Where a check vouches for the credentials, the answer is the anonymous one: not keyed on them.
    const keyed =
      typeof allowed.credentials === "function" ? vary.filter((v) => v !== "authorization") : vary;
    const names = [...new Set([...keyed, ...ALWAYS_KEYED])];
    const variant: Variant = {
      names,
      values: names.map((n) => headerValue(raw.headers, n)),
      status: reply.statusCode,
      ...headerList(headers),
      body: reply.statusCode === 304 ? null : body,
      route: req.routeOptions.url ?? "unmatched",
      onServe: reply.statusCode === 200 ? allowed.onServe : undefined,
      credentials: allowed.credentials,
    };
    this.store(raw.url ?? "", allowed.group, variant);
  }

  private store(url: string, group: string, variant: Variant): void {
    let record = this.urls.get(url);
    if (record && record.group !== group) {
      this.drop(url);
      record = undefined;
    }
    if (!record) {
      record = { group, variants: [], bytes: 0 };
      this.urls.set(url, record);
      const set = this.groups.get(group) ?? new Set<string>();
      set.add(url);
      this.groups.set(group, set);
    }
    const same = record.variants.findIndex((v) => sameKey(v, variant));
    if (same !== -1) this.removeVariant(record, same);
    if (record.variants.length >= MAX_VARIANTS) this.removeVariant(record, 0);
    const size = sizeOf(variant.body);
    record.variants.push(variant);
    record.bytes += size;
    this.bytes += size;
    this.entries++;
    this.evict();
  }

  private removeVariant(record: UrlRecord, index: number): void {
    const [v] = record.variants.splice(index, 1);
    const size = sizeOf(v?.body);
    record.bytes -= size;
    this.bytes -= size;
    this.entries--;
  }

  private invalidate(projectId: string): void {
    this.generation++;
    if (projectId === "*") {
      this.urls.clear();
      this.groups.clear();
      this.bytes = 0;
      this.entries = 0;
      return;
    }
    this.dropGroup(projectId);
    this.dropGroup(ANY_PROJECT);
  }

  private dropGroup(group: string): void {
    for (const url of [...(this.groups.get(group) ?? [])]) this.drop(url);
  }

  private drop(url: string): void {
    const record = this.urls.get(url);
    if (!record) return;
    this.urls.delete(url);
    this.bytes -= record.bytes;
    this.entries -= record.variants.length;
    const set = this.groups.get(record.group);
    set?.delete(url);
    if (set?.size === 0) this.groups.delete(record.group);
  }

  /** Oldest URL first, until both budgets hold. */
  private evict(): void {
    while (this.entries > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.urls.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  /** For tests and /metrics-style introspection: how many responses are kept. */
  get size(): number {
    return this.entries;
  }
}

/**
 * The headers as a flat list and where the request id's value goes: in its place, or last (as a new key
 * of an object would be).
 */
function headerList(headers: Record<string, string | number | string[] | undefined>): {
  headers: HeaderList;
  idSlot: number;
} {
  const list: HeaderList = [];
  let idSlot = -1;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (name === REQUEST_ID_OUT) idSlot = list.length + 1;
    list.push(name, value);
  }
  if (idSlot === -1) idSlot = list.push(REQUEST_ID_OUT, "") - 1;
  return { headers: list, idSlot };
}

function headerValue(headers: IncomingMessage["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function findVariant(
  variants: Variant[],
  headers: IncomingMessage["headers"],
  withCredentials: boolean,
): Variant | undefined {
  outer: for (const v of variants) {
    if (withCredentials && v.credentials === undefined) continue;
    for (let i = 0; i < v.names.length; i++) {
      if (headerValue(headers, v.names[i] as string) !== v.values[i]) continue outer;
    }
    return v;
  }
  return undefined;
}

function sameKey(a: Variant, b: Variant): boolean {
  return (
    a.names.length === b.names.length &&
    a.names.every((n, i) => n === b.names[i] && a.values[i] === b.values[i])
  );
}
