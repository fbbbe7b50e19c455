import type { DbExecutor } from "../db/index.js";

export type ReportName = "reconcile" | "purge";

/** Keeps the last report of a job, for the console and the CLI (one row per job, replaced each run). */
export async function saveReport(
  db: DbExecutor,
  name: ReportName,
  report: { startedAt: number; finishedAt: number },
): Promise<void> {
  const row = {
    started_at: report.startedAt,
    finished_at: report.finishedAt,
    summary: JSON.stringify(report),
  };
  await db
    .insertInto("housekeeping_reports")
    .values({ name, ...row })
    .onConflict((oc) => oc.column("name").doUpdateSet(row))
    .execute();
}

export async function lastReport<T>(db: DbExecutor, name: ReportName): Promise<T | null> {
  const r = await db
    .selectFrom("housekeeping_reports")
    .select("summary")
    .where("name", "=", name)
    .executeTakeFirst();
  return r ? (JSON.parse(r.summary) as T) : null;
}
