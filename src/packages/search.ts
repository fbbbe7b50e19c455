import { SqliteAdapter, sql } from "kysely";
import type { DbExecutor } from "../db/index.js";
import type { Ecosystem, Project } from "./projects.js";

/** `total` is counted up to this many matches (npm shows "N packages found"; past it, "at least"). */
export const SEARCH_COUNT_CAP = 10_000;

/**
 * Name search within one ecosystem (or both): exact match first, then prefix matches (or a scoped name whose bare
 * part starts with the query), then substrings, each alphabetical. LIKE wildcards in the query are
 * dropped rather than escaped (names never contain them). One page is one query: the rank is in the
 * ORDER BY, so a broad query over 100k projects reads `limit` rows after `offset`, not every match; the
 * total is a count bounded by SEARCH_COUNT_CAP.
 */
export async function searchEcosystem(
  db: DbExecutor,
  /** null: both ecosystems (the console). */
  ecosystem: Ecosystem | null,
  query: string,
  limit: number,
  offset: number,
  /** npm search ranks "@scope/name" with the prefix matches of "name"; the console ranks by prefix only. */
  opts: { scopedAsPrefix: boolean } = { scopedAsPrefix: true },
): Promise<{ total: number; projects: Project[] }> {
  const q = query
    .trim()
    .toLowerCase()
    .replace(/[%_\\]/g, "");
  let matching = db.selectFrom("projects").where("quarantined_at", "is", null);
  if (ecosystem) matching = matching.where("ecosystem", "=", ecosystem);
  if (q) matching = matching.where("normalized_name", "like", `%${q}%`);
  // SQLite has no trigram index on a column: its FTS5 trigram table narrows the rows to look at
  // (migration 038); PostgreSQL's pg_trgm index serves the LIKE above directly. Shorter queries have no
  // trigram and scan, as before.
  if (q.length >= 3 && db.getExecutor().adapter instanceof SqliteAdapter)
    matching = matching.where(
      "id",
      "in",
      sql<string>`(select project_id from project_names_trgm where normalized_name like ${`%${q}%`})`,
    );
  const selected = matching.select([
    "id",
    "ecosystem",
    "name",
    "normalized_name",
    "created_at",
    "upload_limit_bytes",
    "serial",
  ]);
  // Without a query there is nothing to rank by. (A constant would not do: `ORDER BY 0` names a column
  // position to SQLite and PostgreSQL, and both refuse it.)
  const ranked = q
    ? selected.orderBy(
        sql<number>`case when normalized_name = ${q} then 0
        when normalized_name like ${`${q}%`} or normalized_name like ${opts.scopedAsPrefix ? `%/${q}%` : ""} then 1
        else 2 end`,
      )
    : selected;
  const [rows, counted] = await Promise.all([
    ranked.orderBy("normalized_name").orderBy("ecosystem").limit(limit).offset(offset).execute(),
    db
      .selectFrom(matching.select(sql`1`.as("one")).limit(SEARCH_COUNT_CAP).as("m"))
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst(),
  ]);
  return {
    total: Number(counted?.n ?? 0),
    projects: rows.map((r) => ({
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
