// Apart from markdown.ts so that the server's event loop, which checks links too, does not import
// markdown-it (only the render worker needs it; start-up cost, issue 15).
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
