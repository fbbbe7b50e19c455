import type { DbExecutor } from "../db/index.js";

export type DependentsMode = "top-percent" | "top-k" | "threshold";

export interface DependentCount {
  direct: number;
  /** Only after a recompute with --transitive, for the names it covered; else null. */
  transitive: number | null;
}

/** How many projects depend on `name` (normalized); zero when none. */
export async function dependentCount(
  db: DbExecutor,
  ecosystem: string,
  name: string,
): Promise<DependentCount> {
  const r = await db
    .selectFrom("dependent_counts")
    .select(["direct", "transitive"])
    .where("ecosystem", "=", ecosystem)
    .where("name", "=", name)
    .executeTakeFirst();
  return {
    direct: Math.max(0, Number(r?.direct ?? 0)),
    transitive: r?.transitive === null || r?.transitive === undefined ? null : Number(r.transitive),
  };
}

export interface DependentsPage {
  total: number;
  /** Hosted projects whose latest release depends on the name, by name. */
  projects: { name: string; normalizedName: string }[];
}

/**
 * One page of the projects that depend on `name`, alphabetically. A quarantined project is hidden
 * from every public list (its name is not for installers to find), so it is not listed here either.
 */
export async function listDependents(
  db: DbExecutor,
  ecosystem: string,
  name: string,
  page: { offset: number; limit: number },
): Promise<DependentsPage> {
  const base = db
    .selectFrom("project_dependencies as d")
    .innerJoin("projects as p", "p.id", "d.project_id")
    .where("d.ecosystem", "=", ecosystem)
    .where("d.dependency", "=", name)
    .where("p.quarantined_at", "is", null);
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
  const rows = await base
    .select(["p.name", "p.normalized_name"])
    .orderBy("p.normalized_name")
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  return {
    total: Number(count?.n ?? 0),
    projects: rows.map((r) => ({ name: r.name, normalizedName: r.normalized_name })),
  };
}

export interface RankedName {
  name: string;
  dependents: number;
  /** 1 = the most depended-on. */
  rank: number;
}

/**
 * The names (normalized, hosted here or not) a dependents clause selects: the top N% of names with at
 * least one dependent (rounded down, as for downloads), the top K, or those with at least `value`
 * dependents. Ties at the boundary go to the alphabetically first name, so the result is a pure
 * function of the counts. `population` is how many names have a dependent.
 */
export async function rankByDependents(
  db: DbExecutor,
  ecosystem: string,
  mode: DependentsMode,
  value: number,
): Promise<{ population: number; selected: RankedName[] }> {
  const pop = await db
    .selectFrom("dependent_counts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("ecosystem", "=", ecosystem)
    .where("direct", ">", 0)
    .executeTakeFirst();
  const population = Number(pop?.n ?? 0);
  let q = db
    .selectFrom("dependent_counts")
    .select(["name", "direct"])
    .where("ecosystem", "=", ecosystem)
    .where("direct", ">", 0)
    .orderBy("direct", "desc")
    .orderBy("name");
  if (mode === "threshold") q = q.where("direct", ">=", value);
  else {
    const k = mode === "top-k" ? value : Math.floor((population * value) / 100 + 1e-9);
    if (k <= 0) return { population, selected: [] };
    q = q.limit(k);
  }
  const rows = await q.execute();
  return {
    population,
    selected: rows.map((r, i) => ({ name: r.name, dependents: Number(r.direct), rank: i + 1 })),
  };
}

/**
 * The `n` most depended-on names of an ecosystem (normalized), most first: a protected set for the
 * look-alike check ("top N by dependents"), hosted here or not.
 */
export async function topByDependents(db: DbExecutor, ecosystem: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  return (await rankByDependents(db, ecosystem, "top-k", Math.floor(n))).selected.map((r) => r.name);
}

/** Direct dependents of each of `names` (normalized) that has any. */
export async function countsFor(
  db: DbExecutor,
  ecosystem: string,
  names: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < names.length; i += 500) {
    const rows = await db
      .selectFrom("dependent_counts")
      .select(["name", "direct"])
      .where("ecosystem", "=", ecosystem)
      .where("name", "in", names.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.name, Number(r.direct));
  }
  return out;
}
