import { sql } from "kysely";
import type { Tx } from "../db/index.js";
import { resolveFileNames } from "./files.js";
import { ensureNameIds, monthOf, STATS_ECOSYSTEMS, upsert } from "./store.js";

/**
 * The import's bounded-memory write path. Parsed downloads are summed in a batch of at most
 * BATCH_KEYS (ecosystem, kind, day, key) entries; each full batch resolves its names and is added to
 * two temporary tables of the import's transaction (kept days, and days older than the retention
 * window summed per month). At the end `mergeDays` and `mergeMonths` move the sums into the
 * statistics tables with a few set-based statements. Temporary tables: on SQLite they live in a temp
 * file (temp_store=file, bounded cache), not in the database file and its WAL; on PostgreSQL they are
 * not WAL-logged; on both they vanish with a rollback.
 */
export const BATCH_KEYS = 2_000;
// Caches of name ids and resolved file names (per ecosystem), cleared when full: a hit saves a lookup, a miss
// costs one; their size, not the file's, bounds the memory.
const CACHE_MAX = 200_000;
const INSERT_ROWS = 2_000;

export interface Downloads {
  /** Downloads of files (PyPI, RubyGems) no project could be found for. */
  unresolved: number;
  folded: { rows: number; downloads: number; first: number; last: number };
}

export class Stager {
  private batch = new Map<string, number>();
  private names = new Map<string, number>();
  private files = new Map<string, string | null>();
  readonly out: Downloads = {
    unresolved: 0,
    folded: { rows: 0, downloads: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY },
  };

  constructor(
    private readonly tx: Tx,
    /** Days before it go to monthly totals. */
    private readonly cutoff: number,
  ) {}

  async add(ecosystem: string, kind: "file" | "name", day: number, key: string, count: number) {
    const k = `${ecosystem}\t${kind}\t${day}\t${key}`;
    this.batch.set(k, (this.batch.get(k) ?? 0) + count);
    if (day < this.cutoff) {
      const f = this.out.folded;
      f.rows++;
      f.downloads += count;
      f.first = Math.min(f.first, day);
      f.last = Math.max(f.last, day);
    }
    if (this.batch.size >= BATCH_KEYS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.size === 0) return;
    const batch = this.batch;
    this.batch = new Map();
    const unknownFiles = new Map<string, Set<string>>();
    const entries: { eco: string; kind: string; day: number; key: string; count: number }[] = [];
    for (const [k, count] of batch) {
      const [eco, kind, day, key] = k.split("\t") as [string, string, string, string];
      entries.push({ eco, kind, day: Number(day), key, count });
      if (kind === "file" && !this.files.has(`${eco}\t${key}`))
        upsert(unknownFiles, eco, () => new Set()).add(key);
    }
    for (const [eco, files] of unknownFiles) {
      if (this.files.size + files.size > CACHE_MAX) this.files.clear();
      for (const [f, name] of await resolveFileNames(this.tx, eco, [...files]))
        this.files.set(`${eco}\t${f}`, name);
    }
    // Per ecosystem: resolved name per entry, then ids for the names not cached.
    const byEco = new Map<string, { name: string; day: number; count: number }[]>();
    for (const e of entries) {
      const name = e.kind === "file" ? this.files.get(`${e.eco}\t${e.key}`) : e.key;
      if (!name) {
        this.out.unresolved += e.count;
        continue;
      }
      upsert(byEco, e.eco, () => []).push({ name, day: e.day, count: e.count });
    }
    for (const [eco, list] of byEco) {
      const missing = new Set<string>();
      for (const r of list) if (!this.names.has(`${eco}\t${r.name}`)) missing.add(r.name);
      if (missing.size) {
        if (this.names.size + missing.size > CACHE_MAX) this.names.clear();
        for (const [name, id] of await ensureNameIds(this.tx, eco, missing))
          this.names.set(`${eco}\t${name}`, id);
      }
      // A file name and a project name can resolve to the same (day, name): sum before inserting.
      const days = new Map<string, { day: number; nameId: number; count: number }>();
      const months = new Map<string, { month: number; nameId: number; count: number }>();
      for (const r of list) {
        const nameId = this.names.get(`${eco}\t${r.name}`)!;
        if (r.day >= this.cutoff) {
          const d = upsert(days, `${r.day}:${nameId}`, () => ({ day: r.day, nameId, count: 0 }));
          d.count += r.count;
        } else {
          const month = monthOf(r.day);
          const m = upsert(months, `${month}:${nameId}`, () => ({ month, nameId, count: 0 }));
          m.count += r.count;
        }
      }
      await this.insertDays(eco, [...days.values()]);
      await this.insertMonths(eco, [...months.values()]);
    }
  }

  private async insertDays(eco: string, rows: { day: number; nameId: number; count: number }[]) {
    await this.insert(
      `${DAYS} (ecosystem, day, name_id, count)`,
      "(ecosystem, day, name_id)",
      eco,
      rows.map((r) => [r.day, r.nameId, r.count]),
    );
  }

  private async insertMonths(eco: string, rows: { month: number; nameId: number; count: number }[]) {
    await this.insert(
      `${MONTHS} (ecosystem, name_id, month, count)`,
      "(ecosystem, name_id, month)",
      eco,
      rows.map((r) => [r.nameId, r.month, r.count]),
    );
  }

  /**
   * Millions of staged rows go in as literal multi-row INSERTs: building them with the query builder
   * (a node per value) made the import's heap, not the file, the largest use of memory. Safe as
   * literals: the ecosystem is one of STATS_ECOSYSTEMS, the rest are checked integers.
   */
  private async insert(into: string, key: string, eco: string, rows: number[][]) {
    if (!(STATS_ECOSYSTEMS as readonly string[]).includes(eco))
      throw new Error("staging: unexpected ecosystem");
    const table = into.slice(0, into.indexOf(" "));
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      let values = "";
      for (const r of rows.slice(i, i + INSERT_ROWS)) {
        if (!r.every(Number.isSafeInteger)) throw new Error("staging: a count is not a safe integer");
        values += `${values ? "," : ""}('${eco}',${r.join(",")})`;
      }
      await sql
        .raw(
          `insert into ${into} values ${values} on conflict ${key} do update set count = ${table}.count + excluded.count`,
        )
        .execute(this.tx);
    }
  }
}

const DAYS = "stats_stage_days";
const MONTHS = "stats_stage_months";

/** The import's two temporary tables, in its transaction (dropped at commit or rollback). */
export async function createStaging(tx: Tx, dialect: "sqlite" | "postgres"): Promise<void> {
  const tail = dialect === "postgres" ? sql`on commit drop` : sql`without rowid`;
  if (dialect === "sqlite") {
    // Temp tables belong to the connection: one left by an import in this process that failed after
    // its rollback (they are transactional, so none should be) must not break the next.
    await sql`drop table if exists temp.stats_stage_days`.execute(tx);
    await sql`drop table if exists temp.stats_stage_months`.execute(tx);
  }
  await sql`create temp table stats_stage_days (ecosystem text not null, day integer not null,
    name_id integer not null, count bigint not null, primary key (ecosystem, day, name_id)) ${tail}`.execute(
    tx,
  );
  await sql`create temp table stats_stage_months (ecosystem text not null, name_id integer not null,
    month integer not null, count bigint not null, primary key (ecosystem, name_id, month)) ${tail}`.execute(
    tx,
  );
}

/** SQLite has no ON COMMIT DROP: the tables go before the transaction commits. */
export async function dropStaging(tx: Tx, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect !== "sqlite") return;
  await sql`drop table temp.stats_stage_days`.execute(tx);
  await sql`drop table temp.stats_stage_months`.execute(tx);
}

/**
 * The import's kept days into download_stats (CSV: the file's (project, day) sum replaces what the
 * source had; log: adds), download_weeks (by the change, so weeks keep equal to the days) and
 * stats_coverage. Returns the net change of the stored totals. A log's sums are also kept in
 * stats_import_days, so that a forced re-import can take them back (`takeBack`); a CSV replaces, so a
 * re-import needs nothing of it.
 */
export async function mergeDays(tx: Tx, importId: string, sourceId: number, mode: "replace" | "add") {
  // The change each staged row makes: against the source's current count when replacing.
  const change =
    mode === "replace"
      ? sql`s.count - coalesce((select d.count from download_stats d where d.ecosystem = s.ecosystem and d.day = s.day and d.name_id = s.name_id and d.source_id = ${sourceId}), 0)`
      : sql`s.count`;
  const net = await sql<{ n: number | string | null }>`
    select sum(${change}) as n from stats_stage_days s where true`.execute(tx);
  await sql`
    insert into download_weeks (ecosystem, name_id, week, count)
    select s.ecosystem, s.name_id, s.day / 7, sum(${change}) from stats_stage_days s
    where true
    group by s.ecosystem, s.name_id, s.day / 7
    having sum(${change}) <> 0
    on conflict (ecosystem, name_id, week) do update set count = download_weeks.count + excluded.count`.execute(
    tx,
  );
  // A zero for a (project, day) the source had nothing for is not written (as writeCounts does).
  await sql`
    insert into download_stats (ecosystem, day, name_id, source_id, count)
    select s.ecosystem, s.day, s.name_id, cast(${sourceId} as integer), s.count from stats_stage_days s
    where s.count <> 0 or ${mode === "add" ? sql`false` : sql`exists (select 1 from download_stats d where d.ecosystem = s.ecosystem and d.day = s.day and d.name_id = s.name_id and d.source_id = ${sourceId})`}
    on conflict (ecosystem, day, name_id, source_id) do update set count = ${
      mode === "replace" ? sql`excluded.count` : sql`download_stats.count + excluded.count`
    }`.execute(tx);
  await sql`
    insert into stats_coverage (ecosystem, day, source_id)
    select distinct s.ecosystem, s.day, cast(${sourceId} as integer) from stats_stage_days s where true
    on conflict (ecosystem, day, source_id) do nothing`.execute(tx);
  if (mode === "add")
    await sql`
      insert into stats_import_days (import_id, ecosystem, day, name_id, count)
      select cast(${importId} as text), ecosystem, day, name_id, count from stats_stage_days where true`.execute(
      tx,
    );
  const totals = await sql<{
    rows: number | string;
    downloads: number | string | null;
    projects: number | string;
    first: number | string | null;
    last: number | string | null;
  }>`
    select count(*) as rows, sum(count) as downloads, count(distinct ecosystem || ':' || name_id) as projects,
      min(day) as first, max(day) as last
    from stats_stage_days`.execute(tx);
  const t = totals.rows[0]!;
  return {
    net: Number(net.rows[0]?.n ?? 0),
    rows: Number(t.rows),
    downloads: Number(t.downloads ?? 0),
    projects: Number(t.projects),
    first: t.first == null ? null : Number(t.first),
    last: t.last == null ? null : Number(t.last),
  };
}

/** The import's old days, summed per month, added to download_months. Returns the number of totals. */
export async function mergeMonths(tx: Tx): Promise<number> {
  const n = await sql<{ n: number | string }>`select count(*) as n from stats_stage_months`.execute(tx);
  await sql`
    insert into download_months (ecosystem, name_id, month, count)
    select ecosystem, name_id, month, count from stats_stage_months where true
    on conflict (ecosystem, name_id, month) do update set count = download_months.count + excluded.count`.execute(
    tx,
  );
  return Number(n.rows[0]?.n ?? 0);
}

/**
 * Takes back what an earlier import of a log added on days from `from` on (a forced re-import adds it
 * again); its kept rows are then deleted. Earlier days are in monthly totals, or will be, and the
 * re-import skips them.
 */
export async function takeBack(tx: Tx, importId: string, sourceId: number, from: number): Promise<void> {
  await sql`
    insert into download_weeks (ecosystem, name_id, week, count)
    select ecosystem, name_id, day / 7, -sum(count) from stats_import_days
    where import_id = ${importId} and day >= ${from}
    group by ecosystem, name_id, day / 7
    on conflict (ecosystem, name_id, week) do update set count = download_weeks.count + excluded.count`.execute(
    tx,
  );
  await sql`
    update download_stats set count = count - (
      select k.count from stats_import_days k
      where k.import_id = ${importId} and k.ecosystem = download_stats.ecosystem and k.day = download_stats.day
        and k.name_id = download_stats.name_id)
    where source_id = ${sourceId} and day >= ${from} and exists (
      select 1 from stats_import_days k
      where k.import_id = ${importId} and k.ecosystem = download_stats.ecosystem and k.day = download_stats.day
        and k.name_id = download_stats.name_id)`.execute(tx);
  await tx.deleteFrom("stats_import_days").where("import_id", "=", importId).execute();
}
