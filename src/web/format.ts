/** Small display helpers shared by the pages. */

/** 1536 → "1.5 KB" (decimal units, as PyPI and most file browsers show sizes). */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let n = bytes;
  let unit = "";
  for (const u of units) {
    n /= 1000;
    unit = u;
    if (n < 1000) break;
  }
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${unit}`;
}

/** "an owner" / "a maintainer", for sentences. */
export function roleWithArticle(role: string): string {
  return role === "owner" ? "an owner" : "a maintainer";
}

export function roleLabel(role: string): string {
  return role === "owner" ? "Owner" : "Maintainer";
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY_MS = 24 * HOUR;

/**
 * How long ago `then` was, from `now`, in the largest whole unit: "just now", "5 min", "3 h", "2 d".
 * Rounded down, so a 59-second-old request never reads as an hour old (issue 14: a one-minute-old
 * recovery request showed "1 h ago" because hours were floored and then raised to at least one).
 */
export function relativeAge(now: number, then: number): string {
  const ms = Math.max(0, now - then);
  if (ms < MINUTE) return "just now";
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY_MS) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY_MS)} d`;
}

/** `relativeAge` as a phrase: "just now", "5 min ago". */
export function ago(now: number, then: number): string {
  const age = relativeAge(now, then);
  return age === "just now" ? age : `${age} ago`;
}
