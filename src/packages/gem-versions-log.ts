import type { DbExecutor } from "../db/index.js";

/** One line of the compact index's `versions` file as served, in the order it was first served. */
export interface GemVersionsLine {
  seq: number;
  projectId: string;
  n: number;
  line: string;
  loggedAt: number;
}

/** The whole log, oldest first (the order Bundler's copy has it in). */
export async function readGemVersionsLog(db: DbExecutor): Promise<GemVersionsLine[]> {
  const rows = await db.selectFrom("gem_versions_log").selectAll().orderBy("seq").execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    projectId: r.project_id,
    n: Number(r.n),
    line: r.line,
    loggedAt: Number(r.logged_at),
  }));
}

/**
 * Appends lines after `afterSeq` (the last one the caller read), each numbered after the last one of
 * its gem. Two instances racing to append collide on `seq` or on (project_id, n): the loser's insert
 * fails as a whole (one statement, a unique violation) and it reads the log again.
 */
export async function appendGemVersionsLog(
  db: DbExecutor,
  now: number,
  afterSeq: number,
  lines: { projectId: string; n: number; line: string }[],
): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto("gem_versions_log")
    .values(
      lines.map((l, i) => ({
        seq: afterSeq + i + 1,
        project_id: l.projectId,
        n: l.n,
        line: l.line,
        logged_at: now,
      })),
    )
    .execute();
}
