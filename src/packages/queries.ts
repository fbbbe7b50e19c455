import type { DbExecutor } from "../db/index.js";

/** One release without its files or description: enough for search results and listings. */
export interface ReleaseSummary {
  projectId: string;
  version: string;
  summary: string | null;
  yanked: boolean;
  createdAt: number;
}

/** The releases of several projects at once (oldest first per insertion; callers order by version). */
export async function listReleaseSummaries(db: DbExecutor, projectIds: string[]): Promise<ReleaseSummary[]> {
  if (projectIds.length === 0) return [];
  const rows = await db
    .selectFrom("releases")
    .select(["project_id", "version", "summary", "yanked_at", "created_at"])
    .where("project_id", "in", projectIds)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    projectId: r.project_id,
    version: r.version,
    summary: r.summary,
    yanked: r.yanked_at !== null,
    createdAt: r.created_at,
  }));
}
