import { SqliteAdapter, sql } from "kysely";
import type { DbExecutor } from "../db/index.js";
import type { Ecosystem, Project } from "./projects.js";

/** `total` is counted up to this many matches (npm shows "N packages found"; past it, "at least"). */
export const SEARCH_COUNT_CAP = 10_000;

/** Past this many trigram matches a scan of the names is cheaper than the index (see below). */
export const TRIGRAM_CANDIDATE_CAP = 2_000;

/**
 * The ids of projects whose normalized name may contain `q`, from SQLite's FTS5 trigram table (migration
 * 038), or null when a scan is the better plan: PostgreSQL's pg_trgm index serves a
 * `normalized_name LIKE '%q%'` directly, a query under three characters has no trigram, and a common
 * substring matches so many names that intersecting its trigrams' lists costs more than reading every
 * name (at 100,000 projects: a rare substring 0.2–6 ms through the index against ~55 ms for the scan,
 * but one in every name 526 ms through it). FTS5 yields matches as it goes, so asking for one more than
 * the cap costs ~12 ms at worst before falling back. Callers keep their own LIKE.
 */
export async function trigramCandidates(db: DbExecutor, q: string): Promise<string[] | null> {
  if (q.length < 3 || !(db.getExecutor().adapter instanceof SqliteAdapter)) return null;
  const { rows } = await sql<{ project_id: string }>`select project_id from project_names_trgm
    where normalized_name like ${`%${q}%`} limit ${TRIGRAM_CANDIDATE_CAP + 1}`.execute(db);
  return rows.length > TRIGRAM_CANDIDATE_CAP ? null : rows.map((r) => r.project_id);
}

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
  const narrowed = await trigramCandidates(db, q);
  if (narrowed?.length === 0) return { total: 0, projects: [] };
  if (narrowed) matching = matching.where("id", "in", narrowed);
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
