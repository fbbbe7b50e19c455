import MarkdownIt from "markdown-it";
import { isSafeLink } from "./safe-link.js";

/**
 * Project descriptions are written by anyone who can upload, and shown on our origin: they are the
 * classic stored-XSS vector of a package index. Markdown is rendered with raw HTML off (tags come out
 * as text) and every link or image target must be http(s), mailto or relative — `javascript:`,
 * `data:`, `vbscript:` and the like never become an href or src.
 *
 * This module is pure and synchronous; it runs only inside the render worker (worker.ts), never on
 * the server's event loop, because markdown-it's cost is not bounded by input size alone (index.ts).
 */
// typographer stays off: its smartquotes rule is quadratic on unmatched quotes (CVE-2026-48988).
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.validateLink = isSafeLink;

// Links written by uploaders: no referrer leak, no SEO credit (ugc), no window.opener.
const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.rules.link_open = (tokens, idx, options) => {
  const token = tokens[idx]!;
  token.attrSet("rel", "nofollow ugc noopener noreferrer");
  return renderToken(tokens, idx, options);
};

/** Markdown to sanitised HTML. Call it through renderDescription (index.ts), which bounds its cost. */
export function markdownToHtml(text: string): string {
  return md.render(text);
}
