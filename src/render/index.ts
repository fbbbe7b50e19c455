import { type PoolOptions, RenderPool } from "./pool.js";

/**
 * Descriptions, rendered once and bounded. markdown-it is linear on most input but not cheap, and not
 * bounded by input size: a table header of 256 columns followed by 256 one-character rows (1.5 KB)
 * becomes 660 KB of cells in ~250 ms, 16 such tables (24 KB) take 3 s and 64 of them 22 s; `"!["` ×
 * 500,000 (1 MB) takes 4–7 s. So rendering never runs on the server's event loop: it runs in a worker
 * thread under a time limit (pool.ts), once per release at publish, and pages show the stored result.
 *
 * RENDERER_VERSION names the renderer's output: bump it when markdown.ts changes what it produces, and
 * stored descriptions of an older version are rendered again, lazily, on their next page view.
 */
export const RENDERER_VERSION = 1;
/** Markdown longer than this is shown as text (PyPI's own description limit is far below it). */
export const MAX_MARKDOWN_CHARS = 512 * 1024;

/** What is stored with a release (releases.description_render / description_html). */
export type DescriptionRender =
  | { status: "html"; html: string }
  /** Not Markdown (reStructuredText, plain text, no type): shown verbatim, escaped. */
  | { status: "text" }
  /** Markdown too long, or its HTML too long: shown as text with a note. */
  | { status: "too-large" }
  /** Markdown that ran past the time limit or crashed the renderer: shown as text with a note. */
  | { status: "too-complex" };

/** "unavailable" is not the input's fault (queue full, worker not starting): show text, store nothing. */
export type RenderOutcome = DescriptionRender | { status: "unavailable" };

export const DEFAULT_RENDER_OPTIONS: PoolOptions = {
  timeoutMs: 2_000,
  maxQueue: 16,
  // With the 2 s limit: a publish waits at most ~7 s for its description, however many are hostile.
  maxWaitMs: 5_000,
  maxHtmlChars: 4 * MAX_MARKDOWN_CHARS,
  startTimeoutMs: 30_000,
};

let pool: RenderPool | null = null;

/** The process-wide render pool (created on first use; its idle worker does not keep Node running). */
export function renderPool(): RenderPool {
  pool ??= new RenderPool(DEFAULT_RENDER_OPTIONS);
  return pool;
}

export function isMarkdown(contentType: string | null | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "text/markdown";
}

/**
 * Markdown (text/markdown, any variant) becomes sanitised HTML, within the size and time bounds;
 * everything else is text. Never throws: the worst input costs `timeoutMs` of a worker's time.
 */
export async function renderDescription(
  text: string | null | undefined,
  contentType: string | null | undefined,
  using: RenderPool = renderPool(),
): Promise<RenderOutcome> {
  if (!text?.trim() || !isMarkdown(contentType)) return { status: "text" };
  if (text.length > MAX_MARKDOWN_CHARS) return { status: "too-large" };
  const r = await using.render(text);
  if (r.ok) return { status: "html", html: r.html };
  if (r.reason === "too-large") return { status: "too-large" };
  if (r.reason === "timeout" || r.reason === "crashed") return { status: "too-complex" };
  return { status: "unavailable" };
}

export { type PoolOptions, RenderPool } from "./pool.js";
export { isSafeLink } from "./safe-link.js";
