import type { DbExecutor } from "../db/index.js";
import { topByDependents } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import { ecosystemFor } from "../ecosystems/index.js";
import { TyposquatIndex, type TyposquatMatch } from "../ecosystems/typosquat/index.js";
import type { Ecosystem } from "./projects.js";

const DAY = 86_400_000;
/** The index is rebuilt at most this often per ecosystem: rankings move daily, not per publish. */
const INDEX_TTL_MS = 5 * 60_000;

/**
 * The names a new project may not imitate, most important first: critical projects, then the top
 * `top` by downloads over 30 days (imported statistics and Wharf's own counts), then `ranked` — any other
 * ranking a caller holds (the look-alike check passes the top `top` by dependents) — each list in its
 * own order.
 */
export async function protectedNames(
  db: DbExecutor,
  ecosystem: Ecosystem,
  now: number,
  top: number,
  ranked: readonly string[] = [],
): Promise<string[]> {
  const critical = await db
    .selectFrom("projects")
    .select("name")
    .where("ecosystem", "=", ecosystem)
    .where("critical_since", "is not", null)
    .orderBy("critical_since")
    .execute();
  const names = critical.map((r) => r.name);
  if (top > 0) names.push(...(await topByDownloads(db, ecosystem, now, top)));
  names.push(...ranked);
  return names;
}

async function topByDownloads(
  db: DbExecutor,
  ecosystem: Ecosystem,
  now: number,
  top: number,
): Promise<string[]> {
  const today = Math.floor(now / DAY);
  const totals = new Map<string, number>();
  const imported = await db
    .selectFrom("download_weeks as w")
    .innerJoin("stats_names as n", "n.id", "w.name_id")
    .select(["n.name", (eb) => eb.fn.sum<number>("w.count").as("total")])
    .where("w.ecosystem", "=", ecosystem)
    .where("w.week", ">=", Math.floor((today - 30) / 7))
    .groupBy("n.name")
    .orderBy("total", "desc")
    .limit(top)
    .execute();
  for (const r of imported) totals.set(r.name, Number(r.total));
  const own = await db
    .selectFrom("download_counts as d")
    .innerJoin("projects as p", "p.id", "d.project_id")
    .select(["p.normalized_name", (eb) => eb.fn.sum<number>("d.count").as("total")])
    .where("p.ecosystem", "=", ecosystem)
    .where("d.day", ">", today - 30)
    .groupBy("p.normalized_name")
    .orderBy("total", "desc")
    .limit(top)
    .execute();
  for (const r of own)
    totals.set(r.normalized_name, Math.max(totals.get(r.normalized_name) ?? 0, Number(r.total)));
  return [...totals]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([name]) => name);
}

type Cached = { builtAt: number; index: TyposquatIndex };
const cache = new WeakMap<object, Map<Ecosystem, Cached>>();

/** Drops the cached indexes (after criticality or statistics change, and in tests). */
export function forgetProtectedNames(db: object): void {
  cache.delete(db);
}

async function indexFor(
  deps: Pick<Deps, "db" | "clock" | "config">,
  ecosystem: Ecosystem,
): Promise<TyposquatIndex> {
  const now = deps.clock.now();
  let perDb = cache.get(deps.db);
  if (!perDb) {
    perDb = new Map();
    cache.set(deps.db, perDb);
  }
  const hit = perDb.get(ecosystem);
  if (hit && now - hit.builtAt < INDEX_TTL_MS) return hit.index;
  // npm's first 2FA cohort was its top packages by dependents: a look-alike of a much-depended-on
  // project is as dangerous as one of a much-downloaded project (issue 18).
  const top = deps.config.typosquatProtectTop;
  const ranked = await topByDependents(deps.db, ecosystem, top);
  const names = await protectedNames(deps.db, ecosystem, now, top, ranked);
  const { normalizeName } = ecosystemFor(ecosystem);
  const index = new TyposquatIndex(names, (n) => normalizeName(n));
  perDb.set(ecosystem, { builtAt: now, index });
  return index;
}

/**
 * The protected project a new name imitates, or null: when the operator turned the check off, or
 * allowed this exact name (the audited look-alike allowance, migration 018, covers both rules).
 * `name` as the client sent it: case matters to the look-alike characters (`jeIlyfish`).
 */
export async function findTyposquatTarget(
  deps: Pick<Deps, "db" | "clock" | "config">,
  ecosystem: Ecosystem,
  name: string,
  normalizedName: string,
): Promise<TyposquatMatch | null> {
  if (deps.config.typosquatAction === "off") return null;
  const allowed = await deps.db
    .selectFrom("lookalike_allowances")
    .select("normalized_name")
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "=", normalizedName)
    .executeTakeFirst();
  if (allowed) return null;
  return (await indexFor(deps, ecosystem)).match(name);
}
