import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authorize } from "../authz/index.js";
import { computeCriticality, ruleSchema, setRule } from "../criticality/index.js";
import { transaction } from "../db/index.js";
import { simulate } from "../mandates/index.js";
import { findProject, findRelease, insertRelease, removeRelease, yankRelease } from "../packages/index.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, mulberry32, type TestApp, testDatabases } from "../test-support/index.js";
import { quickProject } from "../test-support/stats.js";
import { publish as twinePublish } from "../web/test-fixtures.js";
import { recomputeDependents } from "./index.js";

// Issue 18, "Done means": dependents computed on a seeded registry match an independent count. The count
// below is deliberately naive and shares no code with src/dependents/ or src/ecosystems/: it reads the
// stored rows, picks each project's latest release with its own rules, parses Requires-Dist with string
// splitting and npm manifests with plain loops, and computes transitive dependents by iterating to a
// fixpoint instead of walking a reverse graph.

const NOW = Date.UTC(2026, 11, 1, 12);
type Eco = "pypi" | "npm";

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
async function naiveEdges(t: TestApp, eco: Eco): Promise<Map<string, Set<string>>> {
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

function naiveCounts(edges: Map<string, Set<string>>) {
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

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));

async function stored(t: TestApp, eco: Eco, column: "direct" | "transitive") {
  const rows = await t.deps.db
    .selectFrom("dependent_counts")
    .select(["name", "direct", "transitive"])
    .where("ecosystem", "=", eco)
    .where("direct", ">", 0)
    .execute();
  return sorted(new Map(rows.map((r) => [r.name, Number(r[column])])));
}

const release = (projectId: string, version: string, metadata: Record<string, unknown>) => ({
  projectId,
  version,
  canonicalVersion: version,
  requiresPython: null,
  summary: null,
  description: null,
  descriptionContentType: null,
  metadata,
});

describe.each(testDatabases())("dependents against an independent count (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  let alice: Awaited<ReturnType<typeof npmUser>>;
  const N = 30;
  const npmNames = Array.from({ length: N }, (_, i) =>
    i % 6 === 5 ? `@acme/pkg-${i}` : `pkg-${String(i).padStart(2, "0")}`,
  );
  const pypiNames = Array.from({ length: N }, (_, i) => `lib-${String(i).padStart(2, "0")}`);

  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    dir = mkdtempSync(join(tmpdir(), "wharf-dependents-"));
    alice = await npmUser(t, "alice");
    const rng = mulberry32(1818);
    // Hubs with fixed counts far above the random edges' (index 0: 25 dependents, 1: 20, 2: 15), so the
    // top 3 is unambiguous whatever the database's collation does with ties.
    const hubs = (i: number) => [0, 1, 2].filter((h) => i > h && i - h <= [25, 20, 15][h]!);
    for (const [i, name] of npmNames.entries()) {
      const id = await quickProject(t.deps.db, NOW, "npm", name, [alice.user.id]);
      const fields: Record<string, Record<string, string>> = {
        dependencies: {},
        peerDependencies: {},
        optionalDependencies: {},
        devDependencies: { [npmNames[(i + 1) % N]!]: "^1" },
      };
      const field = () =>
        ["dependencies", "peerDependencies", "optionalDependencies"][Math.floor(rng() * 3)]!;
      for (const h of hubs(i)) fields[field()]![npmNames[h]!] = "^1";
      for (let k = Math.floor(rng() * 4); k > 0; k--) {
        const j = 3 + Math.floor(rng() * (N - 3));
        if (rng() < 0.2) fields[field()]![`alias-${k}`] = `npm:${npmNames[j]!}@^2`;
        else fields[field()]![npmNames[j]!] = "^2"; // sometimes itself: not its own dependent
      }
      if (rng() < 0.3) fields.dependencies!["not-hosted-here"] = "*";
      await insertRelease(t.deps.db, NOW, release(id, "1.0.0", { dependencies: { [`old-${i}`]: "1" } }));
      await insertRelease(t.deps.db, NOW, release(id, "2.0.0", fields));
      await insertRelease(t.deps.db, NOW, release(id, "3.0.0", { dependencies: { [`next-${i}`]: "1" } }));
      for (const [tag, version] of [
        ["latest", "2.0.0"],
        ["next", "3.0.0"],
      ] as const)
        await t.deps.db
          .insertInto("dist_tags")
          .values({ project_id: id, tag, version, updated_at: NOW })
          .execute();
    }
    const spell = (n: string) =>
      [n, n.toUpperCase(), n.replace("-", "_"), n.replace("-", ".")][Math.floor(rng() * 4)]!;
    for (const [i, name] of pypiNames.entries()) {
      const id = await quickProject(t.deps.db, NOW, "pypi", name, [alice.user.id]);
      const requires = hubs(i).map((h) => `${spell(pypiNames[h]!)}>=1`);
      for (let k = Math.floor(rng() * 4); k > 0; k--) {
        const d = spell(pypiNames[3 + Math.floor(rng() * (N - 3))]!);
        requires.push(
          [
            d,
            `${d} (>=2)`,
            `${d}[fast]>=2; python_version >= "3.8"`,
            `${d}; sys_platform == "win32" or extra == "all"`,
          ][Math.floor(rng() * 4)]!,
        );
      }
      requires.push(
        `${pypiNames[(i + 5) % N]!}; extra == "docs"`,
        `${spell(pypiNames[(i + 9) % N]!)}; extra == 'test' and python_version > '3'`,
      );
      await insertRelease(t.deps.db, NOW, release(id, "1.0", { requiresDist: [`old-dep-${i}`] }));
      await insertRelease(t.deps.db, NOW, release(id, "2.0", { requiresDist: requires }));
      if (i % 3 === 0) {
        const y = await insertRelease(
          t.deps.db,
          NOW,
          release(id, "3.0", { requiresDist: [`yanked-dep-${i}`] }),
        );
        await t.deps.db.updateTable("releases").set({ yanked_at: NOW }).where("id", "=", y.id).execute();
      }
      if (i % 4 === 0)
        await insertRelease(t.deps.db, NOW, release(id, "4.0rc1", { requiresDist: [`pre-dep-${i}`] }));
    }
    for (const eco of ["npm", "pypi"] as const)
      await transaction(t.deps.db, (tx) => recomputeDependents(tx, eco, { transitive: { top: 1000 } }));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(["npm", "pypi"] as const)("%s: direct and transitive counts equal the naive count", async (eco) => {
    const naive = naiveCounts(await naiveEdges(t, eco));
    expect(await stored(t, eco, "direct")).toEqual(sorted(naive.direct));
    expect(await stored(t, eco, "transitive")).toEqual(sorted(naive.transitive));
    // The seed is not trivial: hubs, cycles reaching further than one step, names not hosted here.
    const hub = eco === "npm" ? "pkg-00" : "lib-00";
    expect(naive.direct.get(hub)).toBeGreaterThanOrEqual(25);
    expect([...naive.transitive].some(([n, c]) => c > (naive.direct.get(n) ?? 0))).toBe(true);
  });

  it("stay equal to the naive count after npm publish and unpublish, and PyPI upload, yank and delete", async () => {
    const check = async (what: string) => {
      for (const eco of ["npm", "pypi"] as const)
        expect(await stored(t, eco, "direct"), `${eco} after ${what}`).toEqual(
          sorted(naiveCounts(await naiveEdges(t, eco)).direct),
        );
    };
    const put = async (name: string, version: string, dependencies: Record<string, string>) => {
      const body = await publishBody(name, version, { extraManifest: { dependencies } });
      const r = await t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        payload: JSON.stringify(body),
        headers: { ...alice.auth, "content-type": "application/json" },
      });
      expect(r.statusCode, r.body).toBe(201);
    };
    await put("pkg-07", "4.0.0", { "pkg-00": "^1", "brand-new-dep": "^1" });
    await check("a new latest version");
    await put("fresh-app", "1.0.0", { "pkg-03": "^1", "@acme/pkg-5": "^1" });
    await check("a new package");
    const doc = (await t.app.inject({ url: "/npm/pkg-07?write=true", headers: alice.auth })).json();
    delete doc.versions["4.0.0"];
    const un = await t.app.inject({
      method: "PUT",
      url: `/npm/pkg-07/-rev/${doc._rev}`,
      payload: JSON.stringify(doc),
      headers: { ...alice.auth, "content-type": "application/json" },
    });
    expect(un.statusCode, un.body).toBe(200);
    await check("unpublishing the latest version");

    const upload = async (name: string, version: string, requires: string[]) => {
      const r = await twinePublish(t, dir, alice.token, name, version, {
        extra: requires.map((x) => `Requires-Dist: ${x}`).join("\n"),
      });
      expect(r.statusCode, r.body).toBe(200);
    };
    await upload("lib-04", "5.0", ["LIB_01>=1", "httpx; extra == 'http'"]);
    await check("a new release");
    await upload("new-tool", "1.0", ["lib-02", "lib-03 ; os_name == 'nt' or extra == 'win'"]);
    await check("a new project");
    const project = (await findProject(t.deps.db, "pypi", "lib-04"))!;
    const actor = { userId: alice.user.id, emailVerified: true };
    const yank = await authorize(t.deps, actor, "yank", project);
    const v5 = (await findRelease(t.deps.db, project.id, "5.0"))!;
    await yankRelease(t.deps, {}, yank, alice.user, project, v5, "broken", true);
    await check("yanking the latest release");
    await removeRelease(
      t.deps,
      {},
      await authorize(t.deps, actor, "delete", project),
      alice.user,
      project,
      (await findRelease(t.deps.db, project.id, "2.0"))!,
    );
    await check("deleting the release that was latest after the yank");
  });

  it("a rule 'top 3 by dependents' designates the three projects the naive count ranks first; the simulation gives each its reason", async () => {
    const naive = naiveCounts(await naiveEdges(t, "npm")).direct;
    const ranked = [...naive].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    expect(ranked[2]![1]).toBeGreaterThan(ranked[3]![1]);
    const top3 = ranked.slice(0, 3);
    const sim = await simulate(t.deps, {
      cohort: "critical",
      ecosystem: "npm",
      byDownloads: false,
      dependentsTopK: 3,
    });
    expect(sim.criticality[0]!.designations).toEqual(
      top3.map(([name, n], i) => ({
        name,
        new: true,
        reasons: [`the 3 projects with the most dependents (#${i + 1}: ${n} dependents)`],
      })),
    );
    await setRule(
      t.deps.db,
      ruleSchema.parse({
        ecosystem: "npm",
        mode: "top-k",
        value: 1,
        byDownloads: false,
        dependents: { mode: "top-k", value: 3 },
      }),
      NOW,
    );
    await computeCriticality(t.deps, { ecosystem: "npm" });
    const critical = await t.deps.db
      .selectFrom("projects")
      .select("normalized_name")
      .where("critical_since", "is not", null)
      .execute();
    expect(critical.map((r) => r.normalized_name).sort()).toEqual(top3.map(([n]) => n).sort());
  });
});
