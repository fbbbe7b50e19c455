import { sql } from "kysely";
import { type Tx, transaction } from "../db/index.js";
import type { StatsDeps } from "./import.js";
import {
  dayOfMs,
  isoDay,
  lockStats,
  monthOf,
  monthStart,
  retentionCutoff,
  STATS_ECOSYSTEMS,
  weekOf,
} from "./store.js";

export interface RollupReport {
  /** Days before this one are kept only as monthly totals. */
  cutoff: string;
  foldedRows: number;
  foldedOwnRows: number;
}

/**
 * Bounded storage: daily rows (imported and Wharf's own) older than the longest window in use plus a
 * margin are added to `download_months` and deleted, with the weeks and coverage rows they made.
 * Each month's fold and the deletes commit together, so a crash never counts a day twice. Own counts
 * on days an import covered were superseded by it and are dropped without folding.
 */
export async function rollupStats(deps: StatsDeps): Promise<RollupReport> {
  const cutoff = await retentionCutoff(deps.db, dayOfMs(deps.clock.now()));
  return transaction(deps.db, async (tx) => {
    await lockStats(tx, deps.dialect);
    let foldedRows = 0;
    let foldedOwnRows = 0;
    for (const eco of STATS_ECOSYSTEMS) {
      const oldest = await tx
        .selectFrom("download_stats")
        .select("day")
        .where("ecosystem", "=", eco)
        .orderBy("day")
        .limit(1)
        .executeTakeFirst();
      for (
        let m = oldest ? monthOf(oldest.day) : Number.POSITIVE_INFINITY;
        oldest && monthStart(m) < cutoff;
        m++
      ) {
        const from = monthStart(m);
        const to = Math.min(monthStart(m + 1), cutoff);
        await tx
          .insertInto("download_months")
          .columns(["ecosystem", "name_id", "month", "count"])
          .expression((eb) =>
            eb
              .selectFrom("download_stats")
              .select([
                "ecosystem",
                "name_id",
                sql.lit(m).as("month"),
                (e) => e.fn.sum<number>("count").as("count"),
              ])
              .where("ecosystem", "=", eco)
              .where("day", ">=", from)
              .where("day", "<", to)
              .groupBy(["ecosystem", "name_id"]),
          )
          .onConflict((oc) =>
            oc
              .columns(["ecosystem", "name_id", "month"])
              .doUpdateSet((eb) => ({ count: eb("download_months.count", "+", eb.ref("excluded.count")) })),
          )
          .execute();
      }
      const del = await tx
        .deleteFrom("download_stats")
        .where("ecosystem", "=", eco)
        .where("day", "<", cutoff)
        .executeTakeFirst();
      foldedRows += Number(del.numDeletedRows);
      await tx
        .deleteFrom("download_weeks")
        .where("ecosystem", "=", eco)
        .where("week", "<", weekOf(cutoff))
        .execute();
      foldedOwnRows += await foldOwn(tx, eco, cutoff);
      await tx.deleteFrom("stats_coverage").where("ecosystem", "=", eco).where("day", "<", cutoff).execute();
      // What logs added on those days, kept for a forced re-import: their days are months now, and a
      // re-import skips days before its cutoff (stats/import.ts).
      await tx
        .deleteFrom("stats_import_days")
        .where("ecosystem", "=", eco)
        .where("day", "<", cutoff)
        .execute();
    }
    return { cutoff: isoDay(cutoff), foldedRows, foldedOwnRows };
  });
}

/** Wharf's own old counts (download_counts) of one ecosystem into months, then deleted. */
async function foldOwn(tx: Tx, eco: string, cutoff: number): Promise<number> {
  const old = tx
    .selectFrom("download_counts as dc")
    .innerJoin("projects as p", "p.id", "dc.project_id")
    .where("p.ecosystem", "=", eco)
    .where("dc.day", "<", cutoff);
  const oldest = await old.select("dc.day").orderBy("dc.day").limit(1).executeTakeFirst();
  if (!oldest) return 0;
  await tx
    .insertInto("stats_names")
    .columns(["ecosystem", "name"])
    .expression(
      old
        .select(["p.ecosystem", "p.normalized_name"])
        .distinct()
        // Only names not there yet: on PostgreSQL each conflicting row would use up a sequence value.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("stats_names as s")
                .select("s.id")
                .whereRef("s.ecosystem", "=", "p.ecosystem")
                .whereRef("s.name", "=", "p.normalized_name"),
            ),
          ),
        ),
    )
    .onConflict((oc) => oc.columns(["ecosystem", "name"]).doNothing())
    .execute();
  for (let m = monthOf(oldest.day); monthStart(m) < cutoff; m++) {
    const from = monthStart(m);
    const to = Math.min(monthStart(m + 1), cutoff);
    await tx
      .insertInto("download_months")
      .columns(["ecosystem", "name_id", "month", "count"])
      .expression(
        old
          .innerJoin("stats_names as n", (j) =>
            j.onRef("n.ecosystem", "=", "p.ecosystem").onRef("n.name", "=", "p.normalized_name"),
          )
          .select([
            "p.ecosystem",
            "n.id",
            sql.lit(m).as("month"),
            (e) => e.fn.sum<number>("dc.count").as("count"),
          ])
          .where("dc.day", ">=", from)
          .where("dc.day", "<", to)
          .where("dc.day", "not in", (e) =>
            e.selectFrom("stats_coverage").select("day").where("ecosystem", "=", eco),
          )
          .groupBy(["p.ecosystem", "n.id"]),
      )
      .onConflict((oc) =>
        oc
          .columns(["ecosystem", "name_id", "month"])
          .doUpdateSet((eb) => ({ count: eb("download_months.count", "+", eb.ref("excluded.count")) })),
      )
      .execute();
  }
  const del = await tx
    .deleteFrom("download_counts")
    .where("day", "<", cutoff)
    .where("project_id", "in", (e) => e.selectFrom("projects").select("id").where("ecosystem", "=", eco))
    .executeTakeFirst();
  return Number(del.numDeletedRows);
}
