import { sql } from "kysely";
import type { DbExecutor, Tx } from "../db/index.js";
import { ECOSYSTEM_NAMES, type EcosystemName } from "../ecosystems/index.js";
import { DAY } from "../lib/clock.js";

/**
 * The write path of the download statistics: every count lands in `download_stats` (daily, per source)
 * and, in the same transaction, its change is added to `download_weeks`, so the weekly sums always
 * equal the daily rows they summarize (stats-window.ts relies on it).
 */
export type StatsEcosystem = EcosystemName;
/** Statistics are kept for every ecosystem the registry serves. */
export const STATS_ECOSYSTEMS: readonly StatsEcosystem[] = ECOSYSTEM_NAMES;

export const dayOfMs = (ms: number): number => Math.floor(ms / DAY);

/** The map's value for `key`, created with `make` when missing. */
export function upsert<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
export const weekOf = (day: number): number => Math.floor(day / 7);
export const isoDay = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);

/** (year - 1970) * 12 + month index, UTC: the key of download_months. */
export function monthOf(day: number): number {
  const d = new Date(day * DAY);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

/** The first day of a month key. */
export function monthStart(month: number): number {
  return Date.UTC(1970 + Math.floor(month / 12), month % 12, 1) / DAY;
}

/**
 * Ids of the names (created when missing), in batches small enough for either database's limits.
 * Existing names are looked up first: on PostgreSQL an INSERT ... ON CONFLICT DO NOTHING would draw a
 * sequence value for every conflicting row, and ids are array indexes in the ranking.
 */
export async function ensureNameIds(
  db: DbExecutor,
  ecosystem: string,
  names: Iterable<string>,
): Promise<Map<string, number>> {
  const all = [...new Set(names)];
  const ids = new Map<string, number>();
  const lookup = async (batch: string[]) => {
    const rows = await db
      .selectFrom("stats_names")
      .select(["id", "name"])
      .where("ecosystem", "=", ecosystem)
      .where("name", "in", batch)
      .execute();
    for (const r of rows) ids.set(r.name, r.id);
  };
  for (let i = 0; i < all.length; i += 500) {
    const batch = all.slice(i, i + 500);
    await lookup(batch);
    const missing = batch.filter((n) => !ids.has(n));
    if (missing.length === 0) continue;
    await db
      .insertInto("stats_names")
      .values(missing.map((name) => ({ ecosystem, name })))
      .onConflict((oc) => oc.columns(["ecosystem", "name"]).doNothing())
      .execute();
    await lookup(missing);
  }
  return ids;
}

export async function ensureSourceId(db: DbExecutor, name: string): Promise<number> {
  const find = () => db.selectFrom("stats_sources").select("id").where("name", "=", name).executeTakeFirst();
  const found = await find();
  if (found) return found.id;
  await db
    .insertInto("stats_sources")
    .values({ name })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return (await find())!.id;
}

export interface CountRow {
  nameId: number;
  day: number;
  count: number;
}

/**
 * Writes one source's counts. `replace`: each row is the day's total for that source (a CSV export;
 * a corrected re-export overwrites). `add`: each row adds downloads (log lines). Returns the net
 * change in downloads. Call inside the import's transaction.
 */
export async function writeCounts(
  tx: Tx,
  ecosystem: string,
  sourceId: number,
  rows: CountRow[],
  mode: "replace" | "add",
): Promise<number> {
  const weekDelta = new Map<number, Map<number, number>>();
  const addWeek = (nameId: number, day: number, delta: number) => {
    if (delta === 0) return;
    const m = upsert(weekDelta, weekOf(day), () => new Map<number, number>());
    m.set(nameId, (m.get(nameId) ?? 0) + delta);
  };
  const old = mode === "replace" ? await existingCounts(tx, ecosystem, sourceId, rows) : null;
  let net = 0;
  const toWrite: CountRow[] = [];
  for (const r of rows) {
    const before = old?.get(`${r.day}:${r.nameId}`);
    if (old && before === undefined && r.count === 0) continue;
    const delta = old ? r.count - (before ?? 0) : r.count;
    net += delta;
    addWeek(r.nameId, r.day, delta);
    if (delta !== 0 || !old) toWrite.push(r);
  }
  for (let i = 0; i < toWrite.length; i += 1000) {
    const values = toWrite
      .slice(i, i + 1000)
      .map((r) => ({ ecosystem, day: r.day, name_id: r.nameId, source_id: sourceId, count: r.count }));
    await tx
      .insertInto("download_stats")
      .values(values)
      .onConflict((oc) =>
        oc.columns(["ecosystem", "day", "name_id", "source_id"]).doUpdateSet((eb) => ({
          count:
            mode === "replace"
              ? eb.ref("excluded.count")
              : eb("download_stats.count", "+", eb.ref("excluded.count")),
        })),
      )
      .execute();
  }
  const weeks: { ecosystem: string; name_id: number; week: number; count: number }[] = [];
  for (const [week, m] of weekDelta) {
    for (const [nameId, count] of m) if (count !== 0) weeks.push({ ecosystem, name_id: nameId, week, count });
  }
  for (let i = 0; i < weeks.length; i += 1000) {
    await tx
      .insertInto("download_weeks")
      .values(weeks.slice(i, i + 1000))
      .onConflict((oc) =>
        oc
          .columns(["ecosystem", "name_id", "week"])
          .doUpdateSet((eb) => ({ count: eb("download_weeks.count", "+", eb.ref("excluded.count")) })),
      )
      .execute();
  }
  return net;
}

async function existingCounts(
  tx: Tx,
  ecosystem: string,
  sourceId: number,
  rows: CountRow[],
): Promise<Map<string, number>> {
  const byDay = new Map<number, number[]>();
  for (const r of rows) {
    upsert(byDay, r.day, () => []).push(r.nameId);
  }
  const old = new Map<string, number>();
  for (const [day, ids] of byDay) {
    for (let i = 0; i < ids.length; i += 1000) {
      const found = await tx
        .selectFrom("download_stats")
        .select(["name_id", "count"])
        .where("ecosystem", "=", ecosystem)
        .where("day", "=", day)
        .where("source_id", "=", sourceId)
        .where("name_id", "in", ids.slice(i, i + 1000))
        .execute();
      for (const f of found) old.set(`${day}:${f.name_id}`, Number(f.count));
    }
  }
  return old;
}

/** Records that `days` of `ecosystem` came from `sourceId`: there, imports replace Wharf's own counts. */
export async function markCoverage(tx: Tx, ecosystem: string, sourceId: number, days: Iterable<number>) {
  const rows = [...new Set(days)].map((day) => ({ ecosystem, day, source_id: sourceId }));
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insertInto("stats_coverage")
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(["ecosystem", "day", "source_id"]).doNothing())
      .execute();
  }
}

/**
 * Serializes statistics writers. PostgreSQL: an advisory lock for the transaction. SQLite: a write
 * first, which takes the database's write lock now (waiting out busy_timeout) rather than at the first
 * real write, where a transaction that has only read cannot wait and fails with SQLITE_BUSY.
 */
export async function lockStats(tx: Tx, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "postgres") await sql`select pg_advisory_xact_lock(727006)`.execute(tx);
  else
    await tx
      .updateTable("stats_sources")
      .set((eb) => ({ name: eb.ref("name") }))
      .where("id", "=", -1)
      .execute();
}

/** Retention margin past the longest window: late imports of the last month still land as days. */
export const RETENTION_MARGIN_DAYS = 35;
export const DEFAULT_WINDOW_DAYS = 180;

/** The longest window any rule or active mandate uses (at least the default 180 days). */
export async function longestWindow(db: DbExecutor): Promise<number> {
  const rules = await db
    .selectFrom("criticality_rules")
    .select((eb) => eb.fn.max("window_days").as("w"))
    .executeTakeFirst();
  const mandates = await db
    .selectFrom("mandates")
    .select((eb) => eb.fn.max("window_days").as("w"))
    .where("archived_at", "is", null)
    .executeTakeFirst();
  return Math.max(DEFAULT_WINDOW_DAYS, Number(rules?.w ?? 0), Number(mandates?.w ?? 0));
}

/**
 * Daily rows before this day are folded into months; it starts a week (day % 7 === 0) so a week is
 * either wholly kept as days or wholly rolled up, and the weekly sums stay equal to the daily rows.
 */
export async function retentionCutoff(db: DbExecutor, today: number): Promise<number> {
  const keep = (await longestWindow(db)) + RETENTION_MARGIN_DAYS;
  return weekOf(today - keep) * 7;
}
