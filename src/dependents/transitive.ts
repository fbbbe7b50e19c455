import type { DbExecutor } from "../db/index.js";

/** The most names a recompute may give a transitive count (each costs one walk of the reverse graph). */
export const MAX_TRANSITIVE_TOP = 10_000;

/**
 * Transitive dependents of the `top` names with the most direct dependents: every project that
 * reaches the name through one or more dependency edges, counted once (cycles, which npm allows
 * through peer dependencies, end where a project was already seen). The reverse graph is held in
 * memory (one array per depended-on name); each name costs one breadth-first walk of the projects
 * that reach it, so the whole costs O(top × reach) — bounded by `top` ≤ MAX_TRANSITIVE_TOP, which is
 * why it is an option of the full recompute and not kept current on every publish.
 */
export async function transitiveCounts(
  db: DbExecutor,
  ecosystem: string,
  top: number,
): Promise<Map<string, number>> {
  const k = Math.max(0, Math.min(top, MAX_TRANSITIVE_TOP));
  const targets = await db
    .selectFrom("dependent_counts")
    .select("name")
    .where("ecosystem", "=", ecosystem)
    .where("direct", ">", 0)
    .orderBy("direct", "desc")
    .orderBy("name")
    .limit(k)
    .execute();
  const out = new Map<string, number>();
  if (targets.length === 0) return out;
  const rows = await db
    .selectFrom("project_dependencies as d")
    .innerJoin("projects as p", "p.id", "d.project_id")
    .select(["p.normalized_name as from", "d.dependency as to"])
    .where("d.ecosystem", "=", ecosystem)
    .execute();
  const reverse = new Map<string, string[]>();
  for (const r of rows) {
    const list = reverse.get(r.to);
    if (list) list.push(r.from);
    else reverse.set(r.to, [r.from]);
  }
  for (const { name } of targets) {
    const seen = new Set<string>([name]);
    const queue = [name];
    for (let i = 0; i < queue.length; i++) {
      for (const from of reverse.get(queue[i]!) ?? []) {
        if (seen.has(from)) continue;
        seen.add(from);
        queue.push(from);
      }
    }
    out.set(name, seen.size - 1);
  }
  return out;
}
