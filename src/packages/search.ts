import type { DbExecutor } from "../db/index.js";
import type { Ecosystem, Project } from "./projects.js";

/**
 * Name search within one ecosystem: exact match first, then prefix matches, then substrings, each
 * alphabetical. LIKE wildcards in the query are dropped rather than escaped (names never contain them).
 */
export async function searchEcosystem(
  db: DbExecutor,
  ecosystem: Ecosystem,
  query: string,
  limit: number,
  offset: number,
): Promise<{ total: number; projects: Project[] }> {
  const q = query
    .trim()
    .toLowerCase()
    .replace(/[%_\\]/g, "");
  let rows = db
    .selectFrom("projects")
    .select(["id", "ecosystem", "name", "normalized_name", "created_at", "upload_limit_bytes", "serial"])
    .where("ecosystem", "=", ecosystem);
  if (q) rows = rows.where("normalized_name", "like", `%${q}%`);
  const all = await rows.orderBy("normalized_name").limit(5000).execute();
  const rank = (n: string) => (n === q ? 0 : n.startsWith(q) || n.includes(`/${q}`) ? 1 : 2);
  const sorted = all.sort((a, b) => rank(a.normalized_name) - rank(b.normalized_name));
  return {
    total: sorted.length,
    projects: sorted.slice(offset, offset + limit).map((r) => ({
      id: r.id,
      ecosystem: r.ecosystem as Ecosystem,
      name: r.name,
      normalizedName: r.normalized_name,
      createdAt: r.created_at,
      uploadLimitBytes: r.upload_limit_bytes,
      serial: r.serial,
    })),
  };
}
