import type { DbExecutor } from "../db/index.js";
import { dayOfMs, weekOf } from "./store.js";

/**
 * Downloads over a window of the last `windowDays` days (today included), per project:
 *
 *   imported counts (every source, from download_weeks minus the days of the oldest week that fall
 *   before the window)  +  Wharf's own counts (download_counts) on the days no import covered.
 *
 * On a covered day an import (a CDN or proxy log) saw every download, including those Wharf counted
 * itself, so adding both would count them twice. Reading weeks instead of days is what keeps the
 * ranking of 700k projects over 180 days within seconds: ~26 rows per busy project instead of 180.
 */
export interface WindowTotals {
  /** Totals of names with an id in stats_names, indexed by that id. */
  byId: Float64Array;
  /** Own counts of hosted projects that have no stats name yet, by normalized name. */
  byName: Map<string, number>;
  firstDay: number;
  lastDay: number;
}

export function windowDays(windowDays: number, now: number): { first: number; last: number } {
  const last = dayOfMs(now);
  return { first: last - windowDays + 1, last };
}

export async function ecosystemTotals(
  db: DbExecutor,
  ecosystem: string,
  days: number,
  now: number,
): Promise<WindowTotals> {
  const { first, last } = windowDays(days, now);
  const w0 = weekOf(first);
  const w1 = weekOf(last);
  const max = await db
    .selectFrom("stats_names")
    .select((eb) => eb.fn.max("id").as("m"))
    .executeTakeFirst();
  const byId = new Float64Array(Number(max?.m ?? 0) + 1);
  const weeks = await db
    .selectFrom("download_weeks")
    .select(["name_id", (eb) => eb.fn.sum<number>("count").as("n")])
    .where("ecosystem", "=", ecosystem)
    .where("week", ">=", w0)
    .where("week", "<=", w1)
    .groupBy("name_id")
    .execute();
  for (const r of weeks) byId[r.name_id] = Number(r.n);
  // The oldest week starts up to 6 days before the window, the newest may hold days after today.
  for (const [from, to] of [
    [w0 * 7, first - 1],
    [last + 1, w1 * 7 + 6],
  ] as const) {
    if (to < from) continue;
    const outside = await db
      .selectFrom("download_stats")
      .select(["name_id", (eb) => eb.fn.sum<number>("count").as("n")])
      .where("ecosystem", "=", ecosystem)
      .where("day", ">=", from)
      .where("day", "<=", to)
      .groupBy("name_id")
      .execute();
    for (const r of outside) if (r.name_id < byId.length) byId[r.name_id]! -= Number(r.n);
  }
  const byName = new Map<string, number>();
  // Summed by project over the day-first index first, then joined: own rows are few next to projects.
  const perProject = db
    .selectFrom("download_counts")
    .select(["project_id", (eb) => eb.fn.sum<number>("count").as("n")])
    .where("day", ">=", first)
    .where("day", "<=", last)
    .where("day", "not in", (eb) =>
      eb
        .selectFrom("stats_coverage")
        .select("day")
        .where("ecosystem", "=", ecosystem)
        .where("day", ">=", first),
    )
    .groupBy("project_id")
    .as("t");
  const own = await db
    .selectFrom(perProject)
    .innerJoin("projects as p", "p.id", "t.project_id")
    .leftJoin("stats_names as n", (j) =>
      j.onRef("n.ecosystem", "=", "p.ecosystem").onRef("n.name", "=", "p.normalized_name"),
    )
    .select(["p.normalized_name as name", "n.id as name_id", "t.n"])
    .where("p.ecosystem", "=", ecosystem)
    .execute();
  for (const r of own) {
    if (r.name_id !== null && r.name_id < byId.length) byId[r.name_id]! += Number(r.n);
    else byName.set(r.name, (byName.get(r.name) ?? 0) + Number(r.n));
  }
  return { byId, byName, firstDay: first, lastDay: last };
}

/** One project's downloads over the window: the same arithmetic as ecosystemTotals, by index seeks. */
export async function projectDownloads(
  db: DbExecutor,
  project: { id?: string; ecosystem: string; normalizedName: string },
  days: number,
  now: number,
): Promise<number> {
  const { first, last } = windowDays(days, now);
  const w0 = weekOf(first);
  const w1 = weekOf(last);
  let total = 0;
  const name = await db
    .selectFrom("stats_names")
    .select("id")
    .where("ecosystem", "=", project.ecosystem)
    .where("name", "=", project.normalizedName)
    .executeTakeFirst();
  if (name) {
    const w = await db
      .selectFrom("download_weeks")
      .select((eb) => eb.fn.sum<number>("count").as("n"))
      .where("ecosystem", "=", project.ecosystem)
      .where("name_id", "=", name.id)
      .where("week", ">=", w0)
      .where("week", "<=", w1)
      .executeTakeFirst();
    total += Number(w?.n ?? 0);
    const edge: number[] = [];
    for (let d = w0 * 7; d < first; d++) edge.push(d);
    for (let d = last + 1; d <= w1 * 7 + 6; d++) edge.push(d);
    // `day IN (...)` makes one seek per day on the (ecosystem, day, name_id) key.
    const out =
      edge.length === 0
        ? undefined
        : await db
            .selectFrom("download_stats")
            .select((eb) => eb.fn.sum<number>("count").as("n"))
            .where("ecosystem", "=", project.ecosystem)
            .where("day", "in", edge)
            .where("name_id", "=", name.id)
            .executeTakeFirst();
    total -= Number(out?.n ?? 0);
  }
  const id =
    project.id ??
    (
      await db
        .selectFrom("projects")
        .select("id")
        .where("ecosystem", "=", project.ecosystem)
        .where("normalized_name", "=", project.normalizedName)
        .executeTakeFirst()
    )?.id;
  if (id) {
    const own = await db
      .selectFrom("download_counts")
      .select((eb) => eb.fn.sum<number>("count").as("n"))
      .where("project_id", "=", id)
      .where("day", ">=", first)
      .where("day", "<=", last)
      .where("day", "not in", (eb) =>
        eb
          .selectFrom("stats_coverage")
          .select("day")
          .where("ecosystem", "=", project.ecosystem)
          .where("day", ">=", first),
      )
      .executeTakeFirst();
    total += Number(own?.n ?? 0);
  }
  return total;
}
