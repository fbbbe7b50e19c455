import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { normalizeName } from "../../ecosystems/pypi/index.js";
import { type Block, type BlockStore, cutBlocks, renderBlocks } from "../../http/blocks.js";
import {
  ANY_PROJECT,
  type RenderCache,
  type Rendered,
  rendered,
  renderedBytes,
} from "../../http/render-cache.js";
import { PUBLIC_READ } from "../../http/replay.js";
import { type CachePolicy, sendRendered } from "../../http/send.js";
import { packageErrors } from "../../packages/index.js";
import { SimpleRoot } from "./simple-root.js";
import { fileUrl, loadProjectView, type ProjectView, uploadTime } from "./view.js";

const JSON_TYPE = "application/vnd.pypi.simple.v1+json";
const HTML_TYPE = "application/vnd.pypi.simple.v1+html";
// PEP 691: "latest" names whichever version the server serves best; the answer still names v1.
const LATEST_JSON = "application/vnd.pypi.simple.latest+json";
const LATEST_HTML = "application/vnd.pypi.simple.latest+html";
export type Format = "json" | "html" | "text/html";

/** Index and JSON API responses: pip may keep them a minute; the negotiated type depends on Accept. */
export const PYPI_CACHING: CachePolicy = {
  cacheControl: "max-age=60, public",
  vary: "Accept, Accept-Encoding",
};

/**
 * PEP 691 content negotiation: the best q-value among the types we serve wins; `?format=` overrides;
 * text/html is the default for browsers and old pips.
 */
const negotiated = new Map<string, Format>();

export function negotiate(req: FastifyRequest): Format {
  const q = (req.query as Record<string, unknown>).format;
  if (q === JSON_TYPE || q === LATEST_JSON) return "json";
  if (q === HTML_TYPE || q === LATEST_HTML) return "html";
  const accept = String(req.headers.accept ?? "");
  // Clients send the same few Accept headers over and over (pip's is fixed): parse each once.
  let known = negotiated.get(accept);
  if (!known) {
    known = parseAccept(accept);
    if (negotiated.size > 1000) negotiated.clear();
    negotiated.set(accept, known);
  }
  return known;
}

const ACCEPTED = new Map<string, Format>([
  [JSON_TYPE, "json"],
  [LATEST_JSON, "json"],
  [HTML_TYPE, "html"],
  [LATEST_HTML, "html"],
  ["text/html", "text/html"],
  ["*/*", "text/html"],
]);

function parseAccept(accept: string): Format {
  let best: Format = "text/html";
  let bestQ = -1;
  for (const part of accept.split(",")) {
    const [type, ...params] = part.trim().split(";");
    const qv = Number(
      params
        .find((p) => p.trim().startsWith("q="))
        ?.trim()
        .slice(2) ?? "1",
    );
    const fmt = ACCEPTED.get(type?.trim().toLowerCase() ?? "") ?? null;
    if (fmt && qv > bestQ) {
      best = fmt;
      bestQ = qv;
    }
  }
  return best;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Where a file downloads from: /files/ for published files; the preview index serves staged ones. */
export type FileUrl = (f: ProjectView["releases"][number]["files"][number]) => string;

/**
 * A project's page as blocks (blocks.ts), cut per run of files, so a re-render after an upload
 * compresses and hashes only the blocks that changed. The bytes are JSON.stringify's of the whole
 * object, as before.
 */
function projectJson(v: ProjectView, url: FileUrl): Block[] {
  const files: Buffer[] = [];
  for (const r of v.releases) {
    const yanked = r.yankedAt !== null ? r.yankedReason || true : false;
    for (const f of r.files) {
      const file = {
        filename: f.filename,
        url: url(f),
        hashes: { sha256: f.sha256 },
        "requires-python": f.requiresPython ?? null,
        yanked,
        // PEP 714: JSON carries only `core-metadata`. The old `dist-info-metadata` key crashes pip
        // 22.3–23.1 (Debian 12's pip 23.0.1, pipenv's vendored pip) with "TypeError: unhashable type:
        // 'dict'" when its value is a hash object; those pips read the HTML attribute instead.
        "core-metadata": f.metadataSha256 ? { sha256: f.metadataSha256 } : false,
        size: f.size,
        "upload-time": uploadTime(f.uploadedAt),
      };
      files.push(Buffer.from(`${files.length ? "," : ""}${JSON.stringify(file)}`));
    }
  }
  const versions = JSON.stringify(v.releases.map((r) => r.version));
  const head = JSON.stringify({ meta: { "api-version": "1.1" }, name: v.project.normalizedName });
  return [
    { label: "head", parts: [Buffer.from(`${head.slice(0, -1)},"versions":`)] },
    // One string, but cut like the files: appending a version changes only its last block.
    ...cutBlocks("versions", splitAscii(versions)),
    { label: "files-open", parts: [Buffer.from(',"files":[')] },
    ...cutBlocks("files", files),
    { label: "tail", parts: [Buffer.from("]}")] },
  ];
}

/** A long JSON string cut into ~16 KiB pieces at commas (a cut's place depends only on what precedes it). */
function splitAscii(text: string): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < text.length) {
    const at = text.indexOf(",", start + 16 * 1024);
    const end = at < 0 ? text.length : at;
    out.push(Buffer.from(text.slice(start, end)));
    start = end;
  }
  return out;
}

function projectHtml(v: ProjectView, url: FileUrl): Block[] {
  const links: Buffer[] = [];
  for (const r of v.releases) {
    for (const f of r.files) {
      const attrs = [
        `href="${esc(url(f))}#sha256=${f.sha256}"`,
        f.requiresPython ? `data-requires-python="${esc(f.requiresPython)}"` : "",
        r.yankedAt !== null ? `data-yanked="${esc(r.yankedReason ?? "")}"` : "",
        // PEP 714: HTML keeps both names, so pips before 23.2 still find the metadata file.
        f.metadataSha256
          ? `data-core-metadata="sha256=${f.metadataSha256}" data-dist-info-metadata="sha256=${f.metadataSha256}"`
          : "",
      ].filter(Boolean);
      links.push(
        Buffer.from(`${links.length ? "\n" : ""}    <a ${attrs.join(" ")}>${esc(f.filename)}</a><br />`),
      );
    }
  }
  const name = esc(v.project.normalizedName);
  return [
    {
      label: "head",
      parts: [
        Buffer.from(
          `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n`,
        ),
      ],
    },
    ...cutBlocks("links", links),
    { label: "tail", parts: [Buffer.from("\n  </body>\n</html>\n")] },
  ];
}

function contentType(fmt: Format): string {
  return fmt === "json" ? JSON_TYPE : fmt === "html" ? HTML_TYPE : "text/html; charset=utf-8";
}

/** A rendering kept until its project changes. */
export const kept = (r: Rendered, group: string) => ({ value: r, group, bytes: renderedBytes(r) });

export function registerSimple(
  app: FastifyInstance,
  deps: Deps,
  cache: RenderCache<Rendered>,
  blocks: BlockStore,
): void {
  // The root listing is maintained one project at a time, not dropped by every change (simple-root.ts).
  const root = new SimpleRoot(deps, renderRoot);
  app.get("/simple/", async (req, reply) => {
    const r = await root.get(negotiate(req));
    // Any project's change can change the listing, so any change drops its replay (http/replay.ts).
    deps.replay.allow(req, ANY_PROJECT, PUBLIC_READ);
    return sendRendered(req, reply, r, PYPI_CACHING);
  });
  app.get("/simple", (_req, reply) => reply.redirect("/simple/", 301));

  const projectPage = async (
    req: FastifyRequest<{ Params: { name: string } }>,
    reply: FastifyReply,
    slash: boolean,
  ) => {
    const raw = req.params.name;
    const normalized = normalizeName(raw);
    // PEP 503: the normalized URL is canonical; anything else redirects to it.
    if (normalized !== raw || !slash)
      return reply.redirect(`/simple/${encodeURIComponent(normalized)}/`, 301);
    const fmt = negotiate(req);
    const key = `${normalized}\0simple:${fmt}`;
    const view = await cache.get(key, async () => {
      const v = await loadProjectView(deps.db, normalized);
      return v ? kept(await renderProject(v, fmt, fileUrl, blocks), v.project.id) : null;
    });
    if (!view) throw packageErrors.PROJECT_NOT_FOUND(`No project named '${raw}'.`);
    deps.replay.allowKept(req, cache, key, PUBLIC_READ);
    return sendRendered(req, reply, view, PYPI_CACHING);
  };
  app.get<{ Params: { name: string } }>("/simple/:name/", (req, reply) => projectPage(req, reply, true));
  app.get<{ Params: { name: string } }>("/simple/:name", (req, reply) => projectPage(req, reply, false));
}

/**
 * A project's PEP 503 / PEP 691 page; the preview index (preview.ts) passes its own file URLs. With a
 * block store (the cached index pages), only the blocks that changed since the last rendering of the
 * same page are gzipped and hashed again, in the thread pool.
 */
export const renderProject = (
  v: ProjectView,
  fmt: Format,
  url: FileUrl = fileUrl,
  blocks?: BlockStore,
): Promise<Rendered> =>
  renderBlocks(
    blocks,
    `${v.project.id}\0simple:${fmt}`,
    fmt === "json" ? projectJson(v, url) : projectHtml(v, url),
    contentType(fmt),
  );

/** The root listing of a preview index: the one project it previews, in the negotiated format. */
export function renderPreviewRoot(name: string, href: string, fmt: Format): Rendered {
  if (fmt === "json")
    return rendered(JSON.stringify({ meta: { "api-version": "1.1" }, projects: [{ name }] }), JSON_TYPE);
  return rendered(
    `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n    <a href="${esc(href)}">${esc(name)}</a><br />\n  </body>\n</html>\n`,
    contentType(fmt),
  );
}

function renderRoot(
  projects: readonly { name: string; normalizedName: string }[],
  fmt: Format,
): { text: string; contentType: string } {
  if (fmt === "json") {
    return {
      text: JSON.stringify({
        meta: { "api-version": "1.1" },
        projects: projects.map((p) => ({ name: p.name })),
      }),
      contentType: JSON_TYPE,
    };
  }
  const links = projects
    .map((p) => `    <a href="/simple/${esc(p.normalizedName)}/">${esc(p.name)}</a><br />`)
    .join("\n");
  return {
    text: `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}\n  </body>\n</html>\n`,
    contentType: contentType(fmt),
  };
}
