import { sql } from "kysely";
import type { Tx } from "../db/index.js";
import type { EcosystemName } from "../ecosystems/index.js";
import { dependenciesOf, type ProjectKey } from "./edges.js";
import { transitiveCounts } from "./transitive.js";

export interface RecomputeReport {
  ecosystem: EcosystemName;
  projects: number;
  edges: number;
  /** Names with at least one dependent. */
  depended: number;
  /** Counts that differed from the incrementally kept ones (0 when nothing drifted). */
  corrected: number;
  /** Names given a transitive count (0 without --transitive). */
  transitive: number;
  ms: number;
}

const BATCH = 500;

/**
 * Recomputes an ecosystem's edges and direct counts from every project's latest release, in the
 * caller's transaction (the CLI audits it in the same one): the repair for anything the incremental
 * updates could have missed, and the first fill after the migration. Reports how many counts it
 * corrected. With `transitive`, also counts, for the `transitive.top` names with the most direct
 * dependents, every project that reaches them through dependencies (transitive.ts: bounded).
 */
export async function recomputeDependents(
  tx: Tx,
  ecosystem: EcosystemName,
  opts: { transitive?: { top: number } } = {},
): Promise<RecomputeReport> {
  const t0 = performance.now();
  const before = new Map(
    (
      await tx
        .selectFrom("dependent_counts")
        .select(["name", "direct"])
        .where("ecosystem", "=", ecosystem)
        .where("direct", ">", 0)
        .execute()
    ).map((r) => [r.name, Number(r.direct)]),
  );
  await tx.deleteFrom("project_dependencies").where("ecosystem", "=", ecosystem).execute();
  await tx.deleteFrom("dependent_counts").where("ecosystem", "=", ecosystem).execute();
  let projects = 0;
  let edges = 0;
  let after = "";
  for (;;) {
    const page: ProjectKey[] = await tx
      .selectFrom("projects")
      .select(["id", "ecosystem", "normalized_name"])
      .where("ecosystem", "=", ecosystem)
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (page.length === 0) break;
    after = page.at(-1)!.id;
    projects += page.length;
    const deps = await dependenciesOf(tx, page);
    const rows = [...deps].flatMap(([projectId, names]) =>
      names.map((dependency) => ({ project_id: projectId, ecosystem, dependency })),
    );
    edges += rows.length;
    for (let i = 0; i < rows.length; i += BATCH)
      await tx
        .insertInto("project_dependencies")
        .values(rows.slice(i, i + BATCH))
        .execute();
  }
  await sql`insert into dependent_counts (ecosystem, name, direct, transitive)
    select ecosystem, dependency, count(*), null from project_dependencies
    where ecosystem = ${ecosystem} group by ecosystem, dependency`.execute(tx);
  const now = await tx
    .selectFrom("dependent_counts")
    .select(["name", "direct"])
    .where("ecosystem", "=", ecosystem)
    .execute();
  let corrected = 0;
  for (const r of now) if (before.get(r.name) !== Number(r.direct)) corrected++;
  const present = new Set(now.map((r) => r.name));
  for (const name of before.keys()) if (!present.has(name)) corrected++;
  let transitive = 0;
  if (opts.transitive) {
    const counts = await transitiveCounts(tx, ecosystem, opts.transitive.top);
    for (const [name, n] of counts)
      await tx
        .updateTable("dependent_counts")
        .set({ transitive: n })
        .where("ecosystem", "=", ecosystem)
        .where("name", "=", name)
        .execute();
    transitive = counts.size;
  }
  return {
    ecosystem,
    projects,
    edges,
    depended: now.length,
    corrected,
    transitive,
    ms: performance.now() - t0,
  };
}
