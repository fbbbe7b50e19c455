/*
 * Link extraction for mail bodies. The outbox logs every link so an operator without SMTP can hand a
 * verification link to a user; tests use findLink to "click" the link a feature mailed.
 */

// Stops at whitespace and at characters that cannot appear unescaped in a URL but commonly wrap one
// in prose ("<https://...>", "(https://...)", quotes).
const URL_PATTERN = /https?:\/\/[^\s<>"'()[\]{}]+/gi;
// Sentence punctuation right after a link belongs to the sentence, not the URL.
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

/** Every http(s) URL in `text`, in order of appearance. */
export function findLinks(text: string): string[] {
  const links: string[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const candidate = match[0].replace(TRAILING_PUNCTUATION, "");
    if (URL.canParse(candidate)) links.push(candidate);
  }
  return links;
}

/** First http(s) URL in `text` whose path starts with `pathPrefix` (e.g. "/account/verify-email"), or undefined. */
export function findLink(text: string, pathPrefix: string): string | undefined {
  return findLinks(text).find((link) => new URL(link).pathname.startsWith(pathPrefix));
}
