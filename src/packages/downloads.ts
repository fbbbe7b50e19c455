import type { Db } from "../db/index.js";
import { DAY } from "../lib/clock.js";

export const dayOf = (ms: number): number => Math.floor(ms / DAY);

/**
 * Download counting without a database write per download: counts gather in memory and are added to
 * the daily row in one upsert per (project, day) every `intervalMs` and at shutdown. Additive upserts
 * make it correct across instances (each adds its own share). A crash loses at most one interval.
 */
export class DownloadCounter {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: Db) {}

  count(projectId: string, now: number): void {
    const key = `${projectId}|${dayOf(now)}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  start(intervalMs = 10_000): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const [key, n] of batch) {
          const [projectId, day] = key.split("|") as [string, string];
          await tx
            .insertInto("download_counts")
            .values({ project_id: projectId, day: Number(day), count: n })
            .onConflict((oc) =>
              oc
                .columns(["project_id", "day"])
                .doUpdateSet((eb) => ({ count: eb("download_counts.count", "+", n) })),
            )
            .execute();
        }
      });
    } catch (e) {
      // Put the counts back so the next flush retries them (e.g. the database was briefly away).
      for (const [k, n] of batch) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}

export async function downloadsSince(db: Db, projectId: string, sinceDay: number): Promise<number> {
  const r = await db
    .selectFrom("download_counts")
    .select((eb) => eb.fn.sum<number>("count").as("n"))
    .where("project_id", "=", projectId)
    .where("day", ">=", sinceDay)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
