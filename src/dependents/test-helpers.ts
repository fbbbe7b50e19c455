import type { TestApp } from "../test-support/index.js";

/*
 * An independent count of dependents, for tests (issue 18, "Done means"). Deliberately naive, and sharing
 * no code with src/dependents/ or src/ecosystems/: it reads the stored rows, picks each project's latest
 * release with its own rules, parses Requires-Dist with string splitting and npm manifests with plain
 * loops, and computes transitive dependents by iterating to a fixpoint instead of walking a reverse graph.
 */

const pep503 = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");
const numeric = (v: string) => v.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : -1));
const newer = (a: string, b: string) => {
  const x = numeric(a);
  const y = numeric(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

/** Each hosted project's direct dependencies, by a naive reading of the stored rows. */
export async function naiveEdges(t: TestApp, eco: "pypi" | "npm"): Promise<Map<string, Set<string>>> {
  const projects = await t.deps.db
    .selectFrom("projects")
    .select(["id", "normalized_name"])
    .where("ecosystem", "=", eco)
    .execute();
  const releases = await t.deps.db
    .selectFrom("releases")
    .select(["project_id", "version", "yanked_at", "metadata"])
    .execute();
  const tags = await t.deps.db
    .selectFrom("dist_tags")
    .select(["project_id", "version"])
    .where("tag", "=", "latest")
    .execute();
  const edges = new Map<string, Set<string>>();
  for (const p of projects) {
    const mine = releases.filter((r) => r.project_id === p.id);
    let chosen: (typeof mine)[number] | undefined;
    if (eco === "npm") {
      // npm installs what `latest` names; without it (its version unpublished), the highest version.
      const tag = tags.find((x) => x.project_id === p.id)?.version;
      chosen = mine.find((r) => r.version === tag);
      if (!chosen) for (const r of mine) if (!chosen || newer(r.version, chosen.version)) chosen = r;
    } else {
      // pip without a pin: the newest final release that is not yanked; a pre-release only when no final one is.
      const live = mine.filter((r) => r.yanked_at === null);
      const finals = live.filter((r) => /^\d+(\.\d+)*$/.test(r.version));
      for (const r of finals.length > 0 ? finals : live)
        if (!chosen || newer(r.version, chosen.version)) chosen = r;
    }
    const out = new Set<string>();
    const meta = chosen ? (JSON.parse(chosen.metadata) as Record<string, unknown>) : {};
    if (eco === "npm") {
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
        for (const [key, range] of Object.entries((meta[field] ?? {}) as Record<string, string>)) {
          // "alias": "npm:real@^2" installs `real`.
          const real = range.startsWith("npm:") ? range.slice(4, range.lastIndexOf("@")) : key;
          if (real !== p.normalized_name) out.add(real);
        }
      }
    } else {
      for (const req of (meta.requiresDist ?? []) as string[]) {
        const [spec = "", marker] = req.split(";");
        const name = pep503(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])/.exec(spec)?.[1] ?? "");
        // Installed without asking for an extra when some clause of the marker does not mention one.
        const installed =
          marker === undefined || marker.split(/\bor\b/).some((clause) => !/\bextra\b/.test(clause));
        if (name && installed && name !== p.normalized_name) out.add(name);
      }
    }
    edges.set(p.normalized_name, out);
  }
  return edges;
}

export function naiveCounts(edges: Map<string, Set<string>>) {
  const direct = new Map<string, number>();
  for (const deps of edges.values()) for (const d of deps) direct.set(d, (direct.get(d) ?? 0) + 1);
  const transitive = new Map<string, number>();
  for (const target of direct.keys()) {
    // Everyone who depends on the target or on someone already in the set, until nothing changes.
    const reach = new Set<string>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const [p, deps] of edges) {
        if (p === target || reach.has(p)) continue;
        if (deps.has(target) || [...deps].some((d) => reach.has(d))) {
          reach.add(p);
          changed = true;
        }
      }
    }
    transitive.set(target, reach.size);
  }
  return { direct, transitive };
}
