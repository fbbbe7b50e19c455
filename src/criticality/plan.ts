import type { DbExecutor } from "../db/index.js";
import { countsFor, rankByDependents } from "../dependents/index.js";
import { ecosystemTotals, isoDay, type WindowTotals } from "../stats/index.js";
import { type CriticalityRule, describeDependents, describeDownloads } from "./rules.js";

/** critical_manual: 1 = designated by an admin, 0 = by the rule (or not critical), -1 = excluded by an admin. */
export const MANUAL = { designated: 1, automatic: 0, excluded: -1 } as const;

export interface HostedProject {
  id: string;
  name: string;
  normalizedName: string;
  criticalSince: number | null;
  criticalManual: number;
  /** Downloads over the rule's window (0 when the project is not in the ranking). */
  downloads: number;
  /** Direct dependents (projects whose latest release depends on it). */
  dependents: number;
  /** Why the project is (or stays) critical under the plan: one entry per clause that selects it. */
  reasons: Reason[];
}

/** downloads / dependents: a clause of the rule selects it; kept: sticky; manual: an admin's designation. */
export interface Reason {
  clause: "downloads" | "dependents" | "kept" | "manual";
  text: string;
}

export interface CriticalityPlan {
  rule: CriticalityRule;
  window: { first: string; last: string };
  /** Projects with at least one download in the window, hosted here or not: the ranking's population. */
  population: number;
  /** Projects the rule selects (hosted or not) and the fewest downloads among them. */
  selected: number;
  cutoffDownloads: number | null;
  /** Names with at least one dependent, and the fewest dependents among those the clause selects. */
  dependentsPopulation: number;
  cutoffDependents: number | null;
  /** Selected projects Wharf does not host (known only from imported statistics): never designated. */
  unhosted: number;
  add: HostedProject[];
  /** Automatic designations that no longer qualify; empty when the rule is sticky. */
  remove: HostedProject[];
  /** Every critical project once the plan is applied, most downloaded first. */
  critical: HostedProject[];
}

/**
 * Ranks an ecosystem by downloads over the rule's window and decides who becomes (or, non-sticky,
 * stops being) critical. Reads only; `applyPlan` (criticality.ts) writes. Ties at the boundary go
 * to the alphabetically first name, so the result is a pure function of the counts.
 */
export async function planCriticality(
  db: DbExecutor,
  rule: CriticalityRule,
  now: number,
): Promise<CriticalityPlan> {
  const totals = await ecosystemTotals(db, rule.ecosystem, rule.windowDays, now);
  const { population, picked, cutoff } = rule.byDownloads
    ? await rank(db, totals, rule)
    : { population: countPopulation(totals), picked: { ids: [], names: [] }, cutoff: null };
  const downloads = new Map<string, number>();
  const idNames = await namesOf(db, picked.ids);
  for (const id of picked.ids) downloads.set(idNames.get(id)!, totals.byId[id]!);
  for (const name of picked.names) downloads.set(name, totals.byName.get(name)!);
  // Rank by downloads within the selection (the top of the whole ranking), ties by name.
  const byDownloads = new Map(
    [...downloads]
      .sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))
      .map(([name, d], i) => [name, { rank: i + 1, downloads: d }]),
  );
  const deps = rule.dependents
    ? await rankByDependents(db, rule.ecosystem, rule.dependents.mode, rule.dependents.value)
    : { population: 0, selected: [] };
  const byDependents = new Map(deps.selected.map((r) => [r.name, r]));
  const selectedNames = new Set([...downloads.keys(), ...byDependents.keys()]);
  const extra = await windowDownloads(
    db,
    rule.ecosystem,
    [...byDependents.keys()].filter((n) => !downloads.has(n)),
    totals,
  );
  for (const [n, d] of extra) downloads.set(n, d);
  const hosted = await hostedByName(db, rule.ecosystem, [...selectedNames], downloads);
  const current = await db
    .selectFrom("projects")
    .select(["id", "name", "normalized_name", "critical_since", "critical_manual"])
    .where("ecosystem", "=", rule.ecosystem)
    .where("critical_since", "is not", null)
    .execute();
  const fmt = (n: number) => n.toLocaleString("en-US");
  for (const h of hosted) {
    const d = byDownloads.get(h.normalizedName);
    if (d)
      h.reasons.push({
        clause: "downloads",
        text: `${describeDownloads(rule)} (#${fmt(d.rank)}: ${fmt(d.downloads)} downloads)`,
      });
    const r = byDependents.get(h.normalizedName);
    if (r && rule.dependents) {
      h.dependents = r.dependents;
      h.reasons.push({
        clause: "dependents",
        text: `${describeDependents(rule.dependents)} (#${fmt(r.rank)}: ${fmt(r.dependents)} dependents)`,
      });
    }
  }
  const qualifying = hosted.filter((p) => p.criticalManual !== MANUAL.excluded);
  const qualifies = new Set(qualifying.map((p) => p.id));
  const add = qualifying.filter((p) => p.criticalSince === null);
  const remove: HostedProject[] = [];
  const critical = [...add];
  const byId = new Map(hosted.map((h) => [h.id, h]));
  // Kept (sticky) and manual designations outside the selection still have downloads in the window:
  // show them, not 0 (issue 13 item 5).
  const kept = await windowDownloads(
    db,
    rule.ecosystem,
    current.filter((r) => !byId.has(r.id)).map((r) => r.normalized_name),
    totals,
  );
  for (const r of current) {
    let p = byId.get(r.id);
    if (!p) {
      p = toHosted(r, kept.get(r.normalized_name) ?? 0);
      p.reasons.push(
        r.critical_manual === MANUAL.designated
          ? { clause: "manual", text: "designated by an admin" }
          : { clause: "kept", text: "designated earlier and kept: the rule is sticky" },
      );
    } else if (r.critical_manual === MANUAL.designated && p.reasons.length === 0)
      p.reasons.push({ clause: "manual", text: "designated by an admin" });
    if (!rule.sticky && r.critical_manual === MANUAL.automatic && !qualifies.has(r.id)) remove.push(p);
    else critical.push(p);
  }
  // Dependents of everything shown, not only of what the dependents clause selected.
  const counts = await countsFor(
    db,
    rule.ecosystem,
    [...critical, ...remove].filter((p) => !byDependents.has(p.normalizedName)).map((p) => p.normalizedName),
  );
  for (const p of [...critical, ...remove])
    if (counts.has(p.normalizedName)) p.dependents = counts.get(p.normalizedName)!;
  critical.sort((a, b) => b.downloads - a.downloads || cmp(a.normalizedName, b.normalizedName));
  const lastDependents = deps.selected.at(-1);
  return {
    rule,
    window: { first: isoDay(totals.firstDay), last: isoDay(totals.lastDay) },
    population,
    selected: selectedNames.size,
    cutoffDownloads: cutoff,
    dependentsPopulation: deps.population,
    cutoffDependents: lastDependents ? lastDependents.dependents : null,
    unhosted: selectedNames.size - hosted.length,
    add,
    remove,
    critical,
  };
}

function countPopulation(totals: WindowTotals): number {
  let population = 0;
  for (let i = 0; i < totals.byId.length; i++) if (totals.byId[i]! > 0) population++;
  for (const v of totals.byName.values()) if (v > 0) population++;
  return population;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Picked {
  ids: number[];
  names: string[];
}

/** The rule's selection among projects with downloads; `cutoff` is the smallest selected total. */
export async function rank(
  db: DbExecutor,
  totals: WindowTotals,
  rule: Pick<CriticalityRule, "mode" | "value">,
): Promise<{ population: number; picked: Picked; cutoff: number | null }> {
  const { byId, byName } = totals;
  const population = countPopulation(totals);
  const picked: Picked = { ids: [], names: [] };
  let floor: number;
  let k = Number.POSITIVE_INFINITY;
  if (rule.mode === "threshold") floor = rule.value;
  else {
    // Rank r is in the top p% when r <= p% of the population: 1% of 699,998 is 6,999 projects, and a
    // registry with fewer than 100 projects with downloads has no top 1% (use top-k or a threshold).
    k = rule.mode === "top-k" ? rule.value : Math.floor((population * rule.value) / 100 + 1e-9);
    k = Math.min(k, population);
    if (k <= 0) return { population, picked, cutoff: null };
    const values = new Float64Array(population);
    let n = 0;
    for (let i = 0; i < byId.length; i++) if (byId[i]! > 0) values[n++] = byId[i]!;
    for (const v of byName.values()) if (v > 0) values[n++] = v;
    values.sort();
    floor = values[population - k]!;
  }
  const tiedIds: number[] = [];
  const tiedNames: string[] = [];
  for (let i = 0; i < byId.length; i++) {
    const v = byId[i]!;
    if (v > floor) picked.ids.push(i);
    else if (v === floor && v > 0) tiedIds.push(i);
  }
  for (const [name, v] of byName) {
    if (v > floor) picked.names.push(name);
    else if (v === floor && v > 0) tiedNames.push(name);
  }
  if (rule.mode === "threshold") {
    picked.ids.push(...tiedIds);
    picked.names.push(...tiedNames);
  } else {
    const room = k - picked.ids.length - picked.names.length;
    const idNames = await namesOf(db, tiedIds);
    const tied = [
      ...tiedIds.map((id) => ({ name: idNames.get(id)!, id })),
      ...tiedNames.map((name) => ({ name, id: null })),
    ].sort((a, b) => cmp(a.name, b.name));
    for (const t of tied.slice(0, room)) {
      if (t.id === null) picked.names.push(t.name);
      else picked.ids.push(t.id);
    }
  }
  const count = picked.ids.length + picked.names.length;
  return { population, picked, cutoff: count > 0 ? floor : null };
}

/** Window totals of hosted projects by normalized name, read from the ranking's own totals. */
async function windowDownloads(
  db: DbExecutor,
  ecosystem: string,
  names: string[],
  totals: WindowTotals,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of names) if (totals.byName.has(n)) out.set(n, totals.byName.get(n)!);
  for (let i = 0; i < names.length; i += 500) {
    const rows = await db
      .selectFrom("stats_names")
      .select(["id", "name"])
      .where("ecosystem", "=", ecosystem)
      .where("name", "in", names.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.id < totals.byId.length) out.set(r.name, totals.byId[r.id]!);
  }
  return out;
}

async function namesOf(db: DbExecutor, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom("stats_names")
      .select(["id", "name"])
      .where("id", "in", ids.slice(i, i + 1000))
      .execute();
    for (const r of rows) out.set(r.id, r.name);
  }
  return out;
}

type ProjectRow = {
  id: string;
  name: string;
  normalized_name: string;
  critical_since: number | null;
  critical_manual: number;
};

const toHosted = (r: ProjectRow, downloads: number): HostedProject => ({
  id: r.id,
  name: r.name,
  normalizedName: r.normalized_name,
  criticalSince: r.critical_since,
  criticalManual: r.critical_manual,
  downloads,
  dependents: 0,
  reasons: [],
});

async function hostedByName(
  db: DbExecutor,
  ecosystem: string,
  names: string[],
  downloads: Map<string, number>,
): Promise<HostedProject[]> {
  const out: HostedProject[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const rows = await db
      .selectFrom("projects")
      .select(["id", "name", "normalized_name", "critical_since", "critical_manual"])
      .where("ecosystem", "=", ecosystem)
      .where("normalized_name", "in", names.slice(i, i + 500))
      .execute();
    for (const r of rows) out.push(toHosted(r, downloads.get(r.normalized_name) ?? 0));
  }
  return out;
}
