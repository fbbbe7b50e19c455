import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The real PyPI top 15,000 by 30-day downloads (2026-04), most downloaded first, from the copy kept in
 * test/fixtures so the suite passes on a fresh clone (the source is ../shared/data).
 */
export function topPypiNames(): string[] {
  const file = fileURLToPath(new URL("../../test/fixtures/pypi-top-15000-30d-2026-04.csv", import.meta.url));
  return readFileSync(file, "utf8")
    .split("\n")
    .slice(1)
    .filter((l) => l.includes(","))
    .map((l) => l.slice(l.indexOf(",") + 1).replace(/"/g, ""));
}
