import MarkdownIt from "markdown-it";

/**
 * Project descriptions are written by anyone who can upload, and shown on our origin: they are the
 * classic stored-XSS vector of a package index. Markdown is rendered with raw HTML off (tags come out
 * as text) and every link or image target must be http(s), mailto or relative — `javascript:`,
 * `data:`, `vbscript:` and the like never become an href or src. Other formats are shown verbatim.
 */
const SAFE_SCHEMES = new Set(["http", "https", "mailto"]);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * markdown-it calls this after decoding entities and percent-encoding control characters and spaces,
 * so `&#106;avascript:` arrives as `javascript:` and `java\tscript:` as the harmless relative
 * `java%09script:`. Anything with a scheme other than the three allowed is refused.
 */
export function isSafeLink(url: string): boolean {
  const trimmed = url.trim();
  // A backslash start is read as "//" by browsers (protocol-relative to another host, scheme kept).
  if (trimmed.startsWith("\\")) return false;
  const m = SCHEME.exec(trimmed);
  if (!m) return true;
  return SAFE_SCHEMES.has(m[1]!.toLowerCase());
}

/** An http(s) URL from metadata (project URLs, home page), or null: the only kind we link to. */
export function httpUrl(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  try {
    const u = new URL(raw.trim());
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.validateLink = isSafeLink;

// Links written by uploaders: no referrer leak, no SEO credit (ugc), no window.opener.
const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.rules.link_open = (tokens, idx, options) => {
  const token = tokens[idx]!;
  token.attrSet("rel", "nofollow ugc noopener noreferrer");
  return renderToken(tokens, idx, options);
};

export type RenderedDescription = { kind: "html"; html: string } | { kind: "text"; text: string } | null;

/** Markdown (text/markdown, any variant) becomes safe HTML; reST, plain text and unknown types stay text. */
export function renderDescription(
  text: string | null | undefined,
  contentType: string | null | undefined,
): RenderedDescription {
  if (!text?.trim()) return null;
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "text/markdown") return { kind: "html", html: md.render(text) };
  return { kind: "text", text };
}
