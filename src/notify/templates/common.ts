/** What every template may say about the registry itself. */
export interface Site {
  siteName: string;
  origin: string;
  /**
   * When the mail is rendered (the outbox renders at send time, after retries too): a template whose
   * text depends on dates (a mandate's phase) reads it here, so a late retry never says "will be
   * required from <a past date>".
   */
  now?: number;
}

/** One email: a function of typed vars (Warehouse's one-function-per-email pattern). */
export type Template<V> = (site: Site, vars: V) => { subject: string; text: string };

export { noun, plural } from "../../lib/plural.js";

/** First letter upper-cased, for a sentence built from a value that may start in lower case. */
export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The greeting every mail opens with; the body's first sentence starts capitalised after it. Bodies
 * start with a word, never with a username or project name: an identifier must not change case.
 */
export function hello(name: string, body: string): string {
  return `Hello ${name},\n\n${cap(body)}`;
}

/** The signature every mail closes with. */
export const signature = (s: Site) => `\n\n— ${s.siteName}`;
