import type { RenderOutcome } from "../render/index.js";

/*
 * Descriptions are rendered once per release, in a worker under a time limit (src/render), and pages
 * show the stored result; nothing here runs markdown-it. The sanitiser itself (raw HTML off, link
 * scheme allow-list) lives in render/markdown.ts.
 */
export { isSafeLink } from "../render/index.js";

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

export type RenderedDescription =
  | { kind: "html"; html: string }
  /** `note`: why Markdown is shown as its text instead (too large, too slow to render). */
  | { kind: "text"; text: string; note?: string }
  | null;

const NOTES: Record<string, string> = {
  "too-large": "This description is too large to be formatted; it is shown as written.",
  "too-complex": "This description took too long to format; it is shown as written.",
  unavailable: "This description could not be formatted right now; it is shown as written.",
};

/**
 * Unformatted text shown on a page is cut here: a 3 KB upload can carry a 1 MB description (issue 11,
 * HIGH 5), and sending all of it on every anonymous view costs the server and the reader for nothing.
 */
export const SHOWN_TEXT_MAX = 64 * 1024;

/** What the page shows for a release's description text and its render (stored or just made). */
export function shownDescription(
  text: string | null | undefined,
  render: RenderOutcome,
): RenderedDescription {
  if (!text?.trim()) return null;
  if (render.status === "html") return { kind: "html", html: render.html };
  let note = NOTES[render.status];
  let shown = text;
  if (text.length > SHOWN_TEXT_MAX) {
    shown = text.slice(0, SHOWN_TEXT_MAX);
    const kb = (n: number) => `${Math.round(n / 1024)} KB`;
    note = `${note ?? ""} Only the first ${kb(SHOWN_TEXT_MAX)} of ${kb(text.length)} are shown.`.trim();
  }
  return note ? { kind: "text", text: shown, note } : { kind: "text", text: shown };
}
