import { sql } from "kysely";
import type { DbExecutor, Tx } from "../db/index.js";
import { type EcosystemName, ecosystemFor } from "../ecosystems/index.js";

interface VersionRow {
  id: string;
  version: string;
  yanked_at: number | null;
}

/**
 * The release whose dependencies count: what a client installs without a pin. npm: the version the
 * `latest` dist-tag names (npm resolves through it), else the highest; PyPI: the newest non-yanked
 * release pip would pick (a yanked release is skipped by unpinned installs, PEP 592), else none.
 */
export function latestOf(
  ecosystem: EcosystemName,
  rows: VersionRow[],
  latestTag: string | null,
): string | null {
  const eco = ecosystemFor(ecosystem);
  if (ecosystem === "npm") {
    const tagged = latestTag ? rows.find((r) => r.version === latestTag) : undefined;
    if (tagged) return tagged.id;
    const v = eco.latest(rows.map((r) => r.version));
    return rows.find((r) => r.version === v)?.id ?? null;
  }
  const live = rows.filter((r) => r.yanked_at === null);
  const v = eco.latest(live.map((r) => r.version));
  return live.find((r) => r.version === v)?.id ?? null;
}

const parse = (json: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** The release each npm project's `latest` tag names, for those whose tag names one. */
async function taggedReleases(
  db: DbExecutor,
  projects: ProjectKey[],
  tagOf: Map<string, string>,
): Promise<Map<string, VersionRow>> {
  const out = new Map<string, VersionRow>();
  const npm = projects.filter((p) => p.ecosystem === "npm" && tagOf.has(p.id)).map((p) => p.id);
  if (npm.length === 0) return out;
  const rows = await db
    .selectFrom("releases")
    .select(["id", "project_id", "version", "yanked_at"])
    .where("project_id", "in", npm)
    .where("version", "in", [...new Set(npm.map((id) => tagOf.get(id)!))])
    .execute();
  for (const r of rows) if (tagOf.get(r.project_id) === r.version) out.set(r.project_id, r);
  return out;
}

export interface ProjectKey {
  id: string;
  ecosystem: string;
  normalized_name: string;
}

/** Each project's direct dependencies (its latest release's), read from the stored metadata in batches. */
export async function dependenciesOf(db: DbExecutor, projects: ProjectKey[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (projects.length === 0) return out;
  const ids = projects.map((p) => p.id);
  const tags = await db
    .selectFrom("dist_tags")
    .select(["project_id", "version"])
    .where("project_id", "in", ids)
    .where("tag", "=", "latest")
    .execute();
  const tagOf = new Map(tags.map((t) => [t.project_id, t.version]));
  // npm resolves through `latest`: the tagged release is the one, so its row is all a publish needs to
  // read (the whole history's rows were ~7% of the server's CPU publishing onto 5,000 versions, issue 15
  // item 2). Projects without one (PyPI, or a tag naming no release) read every version, as before.
  const tagged = await taggedReleases(db, projects, tagOf);
  const rest = ids.filter((id) => !tagged.has(id));
  const versions = rest.length
    ? await db
        .selectFrom("releases")
        .select(["id", "project_id", "version", "yanked_at"])
        .where("project_id", "in", rest)
        .execute()
    : [];
  const byProject = new Map<string, VersionRow[]>();
  for (const [projectId, row] of tagged) byProject.set(projectId, [row]);
  for (const r of versions) {
    const list = byProject.get(r.project_id) ?? [];
    list.push(r);
    byProject.set(r.project_id, list);
  }
  const chosen = new Map<string, ProjectKey>();
  for (const p of projects) {
    const id = latestOf(p.ecosystem as EcosystemName, byProject.get(p.id) ?? [], tagOf.get(p.id) ?? null);
    if (id) chosen.set(id, p);
    out.set(p.id, []);
  }
  if (chosen.size === 0) return out;
  const meta = await db
    .selectFrom("releases")
    .select(["id", "metadata"])
    .where("id", "in", [...chosen.keys()])
    .execute();
  for (const r of meta) {
    const p = chosen.get(r.id)!;
    out.set(
      p.id,
      ecosystemFor(p.ecosystem as EcosystemName).dependencies(parse(r.metadata), p.normalized_name),
    );
  }
  return out;
}

/**
 * Brings one project's edges and the direct counts they feed up to date with its latest release.
 * Called inside every transaction that can change which release is latest or what it is (publish,
 * yank, unpublish, delete, dist-tag), after the write: the counts commit with it or not at all.
 * The no-op update takes the project's row lock first (PostgreSQL), so two writes to one project
 * diff their edges one after the other; counts change by +1/-1 in name order (no deadlock between
 * projects sharing dependencies).
 */
export async function refreshDependencies(
  tx: Tx,
  projectId: string,
): Promise<{ added: string[]; removed: string[] }> {
  await tx.updateTable("projects").set({ serial: sql`serial` }).where("id", "=", projectId).execute();
  const project = await tx
    .selectFrom("projects")
    .select(["id", "ecosystem", "normalized_name"])
    .where("id", "=", projectId)
    .executeTakeFirst();
  if (!project) return { added: [], removed: [] };
  const wanted = new Set((await dependenciesOf(tx, [project])).get(project.id) ?? []);
  const have = new Set(
    (
      await tx
        .selectFrom("project_dependencies")
        .select("dependency")
        .where("project_id", "=", projectId)
        .execute()
    ).map((r) => r.dependency),
  );
  const added = [...wanted].filter((d) => !have.has(d)).sort();
  const removed = [...have].filter((d) => !wanted.has(d)).sort();
  for (let i = 0; i < removed.length; i += 500) {
    const batch = removed.slice(i, i + 500);
    await tx
      .deleteFrom("project_dependencies")
      .where("project_id", "=", projectId)
      .where("dependency", "in", batch)
      .execute();
  }
  for (let i = 0; i < added.length; i += 500)
    await tx
      .insertInto("project_dependencies")
      .values(
        added
          .slice(i, i + 500)
          .map((d) => ({ project_id: projectId, ecosystem: project.ecosystem, dependency: d })),
      )
      .execute();
  const plus = new Set(added);
  for (const name of [...added, ...removed].sort()) {
    if (plus.has(name))
      await tx
        .insertInto("dependent_counts")
        .values({ ecosystem: project.ecosystem, name, direct: 1, transitive: null })
        .onConflict((oc) =>
          oc.columns(["ecosystem", "name"]).doUpdateSet({ direct: sql`dependent_counts.direct + 1` }),
        )
        .execute();
    else
      await tx
        .updateTable("dependent_counts")
        .set({ direct: sql`direct - 1` })
        .where("ecosystem", "=", project.ecosystem)
        .where("name", "=", name)
        .execute();
  }
  return { added, removed };
}
