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
import { naiveCounts, naiveEdges } from "./test-helpers.js";

// Issue 18, "Done means": dependents computed on a seeded registry match an independent count
// (test-helpers.ts: naive, sharing no code with src/dependents/ or src/ecosystems/).

const NOW = Date.UTC(2026, 11, 1, 12);
type Eco = "pypi" | "npm";

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
