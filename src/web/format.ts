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
