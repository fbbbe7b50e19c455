import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import { isUniqueViolation } from "../../db/index.js";
import type { Deps } from "../../deps.js";
import {
  type GemIndexState,
  infoFile,
  namesFile,
  nextVersionsLine,
  normalizeGemName,
  versionsHeader,
  versionToken,
} from "../../ecosystems/rubygems/index.js";
import { ANY_PROJECT, type RenderCache, type Rendered } from "../../http/render-cache.js";
import { acceptsGzip } from "../../http/send.js";
import {
  appendGemVersionsLog,
  listEcosystemReleases,
  listProjects,
  loadProjectView,
  type Project,
  type ProjectView,
  type Release,
  readGemVersionsLog,
} from "../../packages/index.js";
import { type GemFacts, indexedFiles, loadGemFacts } from "./gem-files.js";

/** A compact-index file: the ETag is the quoted MD5 of the body, which Bundler 2.3 checks after appending. */
export interface IndexFile extends Rendered {
  md5: string;
  /** The whole body's SHA-256, base64: `Repr-Digest` (Bundler 2.5+) and `Digest` (older clients). */
  sha256: string;
  /** The `versions` tokens of this gem's info (one per version and platform), for the versions file. */
  versions: string[];
}

export function indexFile(text: string, versions: string[] = []): IndexFile {
  const body = Buffer.from(text, "utf8");
  const md5 = createHash("md5").update(body).digest("hex");
  return {
    body,
    gzip: gzipSync(body, { level: 6 }),
    etag: `"${md5}"`,
    contentType: "text/plain; charset=utf-8",
    md5,
    sha256: createHash("sha256").update(body).digest("base64"),
    versions,
  };
}

const kept = (f: IndexFile, group: string) => ({
  value: f,
  group,
  bytes: f.body.length + f.gzip.length,
});

/** A gem as installers see it: a quarantined gem does not exist for them (as on /simple/ and npm). */
export async function installableGem(deps: Deps, name: string): Promise<ProjectView | null> {
  const v = await loadProjectView(deps.db, "rubygems", normalizeGemName(name));
  return v && !v.project.quarantinedAt ? v : null;
}

/** The render-cache keys of the compact index's files (install.ts asks whether they are kept). */
export const VERSIONS_KEY = "\0versions";
export const NAMES_KEY = "\0names";
export const infoKey = (name: string) => `${normalizeGemName(name)}\0info`;

export function loadInfo(deps: Deps, cache: RenderCache<IndexFile>, name: string): Promise<IndexFile | null> {
  const normalized = normalizeGemName(name);
  return cache.get(infoKey(normalized), async () => {
    const v = await installableGem(deps, normalized);
    if (!v) return null;
    const files = indexedFiles(v, await loadGemFacts(deps, [v]));
    return kept(indexFile(infoFile(files), files.map(versionToken)), v.project.id);
  });
}

/**
 * `versions`: an append-only log (migration 027). Each render compares every gem's state now (its live
 * version tokens and info MD5) with what its logged lines add up to, and appends a line for each gem
 * that moved: a push adds its token, a yank or a quarantine removes tokens (`-1.0.0`), so the file only
 * ever grows at its end and Bundler's Range requests get just the new lines. A race with another
 * instance appending the same gem's next line loses on the primary key, and the render starts over.
 */
export function loadVersions(deps: Deps, cache: RenderCache<IndexFile>): Promise<IndexFile | null> {
  return cache.get(VERSIONS_KEY, async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return kept(await renderVersions(deps), ANY_PROJECT);
      } catch (e) {
        if (attempt >= 2 || !isUniqueViolation(e)) throw e;
      }
    }
  });
}

const EMPTY_INFO_MD5 = createHash("md5").update(infoFile([])).digest("hex");

/** A gem's index state from its rows (read from the database now, never from a cache that may lag). */
function gemState(project: Project, releases: Release[], facts: Map<string, GemFacts>): GemIndexState {
  const files = indexedFiles({ project, releases }, facts);
  const md5 = createHash("md5").update(infoFile(files)).digest("hex");
  return { name: project.name, versions: files.map(versionToken), infoMd5: md5 };
}

async function renderVersions(deps: Deps): Promise<IndexFile> {
  // The log first, then the state: a line another instance logged is then already in the state read
  // after it, so this render never appends a stale state's line after a newer one.
  let log = await readGemVersionsLog(deps.db);
  const projects = (await listProjects(deps.db, "rubygems")).sort((a, b) => a.createdAt - b.createdAt);
  const releases = await listEcosystemReleases(deps.db, "rubygems");
  const now = new Map<string, GemIndexState>();
  const facts = await loadGemFacts(
    deps,
    projects.map((project) => ({ project, releases: releases.get(project.id) ?? [] })),
  );
  for (const p of projects) now.set(p.id, gemState(p, releases.get(p.id) ?? [], facts));
  const byGem = new Map<string, string[]>();
  for (const row of log) byGem.set(row.projectId, [...(byGem.get(row.projectId) ?? []), row.line]);
  const appended: { projectId: string; n: number; line: string }[] = [];
  // Gems in creation order, then the ones only the log remembers (quarantined or removed since).
  const ids = projects.map((p) => p.id);
  for (const id of byGem.keys()) if (!now.has(id)) ids.push(id);
  for (const id of ids) {
    const lines = byGem.get(id) ?? [];
    const line = nextVersionsLine(lines, now.get(id) ?? null, EMPTY_INFO_MD5);
    if (line) appended.push({ projectId: id, n: lines.length + 1, line });
  }
  if (appended.length > 0) {
    await appendGemVersionsLog(deps.db, deps.clock.now(), log.at(-1)?.seq ?? 0, appended);
    log = await readGemVersionsLog(deps.db);
  }
  const createdAt = new Date(log[0]?.loggedAt ?? 0);
  return indexFile(versionsHeader(createdAt) + log.map((r) => `${r.line}\n`).join(""));
}

export function loadNames(deps: Deps, cache: RenderCache<IndexFile>): Promise<IndexFile | null> {
  return cache.get(NAMES_KEY, async () => {
    const names = (await listProjects(deps.db, "rubygems")).map((p) => p.name).sort();
    return kept(indexFile(namesFile(names)), ANY_PROJECT);
  });
}

/** Bundler asks `bytes=<local size - 1>-`; anything else (several ranges, suffixes) gets the whole file. */
function rangeStart(header: string | undefined): number | null {
  const m = /^bytes=(\d+)-$/.exec(header?.trim() ?? "");
  return m ? Number(m[1]) : null;
}

/**
 * Sends a compact-index file: 304 when the client's MD5 matches, 206 with the tail for a `Range`
 * (Bundler appends it and checks the whole file's MD5 against the ETag; a file that changed other than
 * at its end fails that check and Bundler fetches it whole), else the whole file (gzip when accepted).
 */
export function sendIndexFile(req: FastifyRequest, reply: FastifyReply, f: IndexFile): FastifyReply {
  reply
    .header("etag", f.etag)
    .header("repr-digest", `sha-256=:${f.sha256}:`)
    .header("digest", `SHA-256=${f.sha256}`)
    .header("accept-ranges", "bytes")
    .header("cache-control", "max-age=60, public")
    .header("vary", "Accept-Encoding")
    .header("content-type", f.contentType);
  const tags = String(req.headers["if-none-match"] ?? "").split(",");
  if (tags.some((t) => t.trim().replace(/^W\//, "") === f.etag)) return reply.status(304).send();
  const start = rangeStart(req.headers.range);
  if (start !== null) {
    const size = f.body.length;
    if (start >= size) return reply.status(416).header("content-range", `bytes */${size}`).send();
    const tail = f.body.subarray(start);
    return reply
      .status(206)
      .header("content-range", `bytes ${start}-${size - 1}/${size}`)
      .header("content-length", tail.length)
      .send(tail);
  }
  if (acceptsGzip(req.headers["accept-encoding"]))
    return reply.header("content-encoding", "gzip").header("content-length", f.gzip.length).send(f.gzip);
  return reply.header("content-length", f.body.length).send(f.body);
}
