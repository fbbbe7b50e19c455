import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authorize } from "../authz/index.js";
import { transaction } from "../db/index.js";
import {
  findProject,
  findRelease,
  insertRelease,
  publishFile,
  removeRelease,
  unpublishVersions,
  yankRelease,
} from "../packages/index.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, maintainer, mulberry32, type TestApp, testDatabases } from "../test-support/index.js";
import { quickProject } from "../test-support/stats.js";
import {
  dependentCount,
  listDependents,
  rankByDependents,
  recomputeDependents,
  topByDependents,
} from "./index.js";

const NOW = Date.UTC(2026, 11, 1, 12);

/** The counts as stored (names with at least one dependent). */
async function storedCounts(t: TestApp, ecosystem: string): Promise<Record<string, number>> {
  const rows = await t.deps.db
    .selectFrom("dependent_counts")
    .select(["name", "direct"])
    .where("ecosystem", "=", ecosystem)
    .where("direct", ">", 0)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.direct)]).sort());
}

/** Expected counts, tallied from the dependency sets the seed chose (not by parsing what it wrote). */
function tally(truth: Map<string, Set<string>>): Record<string, number> {
  const out = new Map<string, number>();
  for (const deps of truth.values()) for (const d of deps) out.set(d, (out.get(d) ?? 0) + 1);
  return Object.fromEntries([...out].sort());
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

describe.each(testDatabases())("dependents (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
  });
  afterEach(() => t.close());

  it("on a seeded PyPI registry, counts from Requires-Dist of each latest release match the seed's own", async () => {
    const rng = mulberry32(18_04);
    const N = 60;
    const names = Array.from({ length: N }, (_, i) => `lib-${String(i).padStart(2, "0")}`);
    // Spellings pip treats as the same project (PEP 503).
    const spell = (n: string) =>
      [n, n.toUpperCase(), n.replace("-", "_"), n.replace("-", "."), `${n[0]!.toUpperCase()}${n.slice(1)}`][
        Math.floor(rng() * 5)
      ]!;
    const truth = new Map<string, Set<string>>();
    for (const [i, name] of names.entries()) {
      const id = await quickProject(t.deps.db, NOW, "pypi", name);
      const deps = new Set<string>();
      const count = Math.floor(rng() * 6);
      // Popular projects first: lib-00 is depended on most, as real registries are skewed.
      for (let k = 0; k < count; k++) {
        const j = Math.floor(rng() ** 2 * N);
        if (j !== i) deps.add(names[j]!);
      }
      if (rng() < 0.3) deps.add("not-hosted-here");
      truth.set(name, deps);
      const requires = [...deps].map((d) => {
        const form = Math.floor(rng() * 4);
        return form === 0
          ? spell(d)
          : form === 1
            ? `${spell(d)}>=1.0,<3`
            : form === 2
              ? `${spell(d)}[fast] (>=2); python_version >= "3.8"`
              : `${spell(d)} ; sys_platform == "win32" or extra == "all"`;
      });
      // Installed only with an extra: not a dependency.
      requires.push(`${names[(i + 1) % N]!}-extra-only-${i}; extra == "docs"`);
      requires.push(`${spell(names[(i + 7) % N]!)}; extra == 'test' and python_version > '3'`);
      // An older release with other dependencies, a newer yanked one and a newer pre-release: pip
      // installs 2.0 unpinned, so only its dependencies count.
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
    // A project whose only release is yanked installs nothing unpinned: no dependencies.
    const gone = await quickProject(t.deps.db, NOW, "pypi", "all-yanked");
    const g = await insertRelease(t.deps.db, NOW, release(gone, "1.0", { requiresDist: ["lib-00"] }));
    await t.deps.db.updateTable("releases").set({ yanked_at: NOW }).where("id", "=", g.id).execute();

    const report = await transaction(t.deps.db, (tx) => recomputeDependents(tx, "pypi"));
    const expected = tally(truth);
    expect(await storedCounts(t, "pypi")).toEqual(expected);
    expect(report).toMatchObject({ projects: N + 1, depended: Object.keys(expected).length });
    expect(report.edges).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    // A second recompute finds nothing to correct.
    expect((await transaction(t.deps.db, (tx) => recomputeDependents(tx, "pypi"))).corrected).toBe(0);

    // Top K by dependents: the expected order is the tally's, ties to the alphabetically first.
    const order = Object.entries(expected).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    expect(await topByDependents(t.deps.db, "pypi", 5)).toEqual(order.slice(0, 5).map(([n]) => n));
    const threshold = order[3]![1];
    const over = await rankByDependents(t.deps.db, "pypi", "threshold", threshold);
    expect(over.selected.map((r) => r.name).sort()).toEqual(
      order
        .filter(([, c]) => c >= threshold)
        .map(([n]) => n)
        .sort(),
    );
    expect(over.population).toBe(order.length);

    const top = order[0]![0];
    expect(await dependentCount(t.deps.db, "pypi", top)).toEqual({ direct: order[0]![1], transitive: null });
    const page = await listDependents(t.deps.db, "pypi", top, { offset: 0, limit: 1000 });
    expect(page.total).toBe(order[0]![1]);
    expect(page.projects.map((p) => p.name)).toEqual(
      [...truth]
        .filter(([, d]) => d.has(top))
        .map(([n]) => n)
        .sort(),
    );
  });

  it("on a seeded npm registry, counts follow the latest dist-tag and skip devDependencies", async () => {
    const rng = mulberry32(4242);
    const N = 40;
    const names = Array.from({ length: N }, (_, i) => (i % 5 === 0 ? `@acme/pkg-${i}` : `pkg-${i}`));
    const truth = new Map<string, Set<string>>();
    for (const [i, name] of names.entries()) {
      const id = await quickProject(t.deps.db, NOW, "npm", name);
      const deps = new Set<string>();
      const fields: Record<string, Record<string, string>> = {
        dependencies: {},
        peerDependencies: {},
        optionalDependencies: {},
        devDependencies: { [`dev-only-${i}`]: "^1", [names[(i + 3) % N]!]: "^1" },
      };
      const count = Math.floor(rng() * 5);
      for (let k = 0; k < count; k++) {
        const j = Math.floor(rng() ** 2 * N);
        if (j === i) continue;
        deps.add(names[j]!);
        const field = ["dependencies", "peerDependencies", "optionalDependencies"][Math.floor(rng() * 3)]!;
        // Sometimes through an alias: the alias key is not the package installed.
        if (rng() < 0.2) fields[field]![`alias-${i}-${k}`] = `npm:${names[j]!}@^2`;
        else fields[field]![names[j]!] = "^2.0.0";
      }
      truth.set(name, deps);
      // 3.0.0 is tagged next, 2.0.0 latest: installs get 2.0.0, so its dependencies count.
      await insertRelease(t.deps.db, NOW, release(id, "1.0.0", { dependencies: { [`old-${i}`]: "1" } }));
      await insertRelease(t.deps.db, NOW, release(id, "2.0.0", fields));
      await insertRelease(t.deps.db, NOW, release(id, "3.0.0", { dependencies: { [`next-${i}`]: "1" } }));
      for (const [tag, version] of [
        ["latest", "2.0.0"],
        ["next", "3.0.0"],
      ])
        await t.deps.db
          .insertInto("dist_tags")
          .values({ project_id: id, tag: tag!, version: version!, updated_at: NOW })
          .execute();
    }
    await transaction(t.deps.db, (tx) => recomputeDependents(tx, "npm"));
    expect(await storedCounts(t, "npm")).toEqual(tally(truth));
    expect(await storedCounts(t, "pypi")).toEqual({});
  });

  it("publish, dist-tag, unpublish (npm) and publish, yank, delete (PyPI) keep counts equal to a recompute", async () => {
    const matchesRecompute = async () => {
      const kept = { pypi: await storedCounts(t, "pypi"), npm: await storedCounts(t, "npm") };
      for (const e of ["pypi", "npm"] as const) {
        const r = await transaction(t.deps.db, (tx) => recomputeDependents(tx, e));
        expect(r.corrected, `${e} drifted`).toBe(0);
      }
      expect({ pypi: await storedCounts(t, "pypi"), npm: await storedCounts(t, "npm") }).toEqual(kept);
      return kept;
    };
    // npm over the wire.
    const { auth } = await npmUser(t, "alice");
    const put = async (
      name: string,
      version: string,
      dependencies: Record<string, string>,
      tag = "latest",
    ) => {
      const body = await publishBody(name, version, { tag, extraManifest: { dependencies } });
      const r = await t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        payload: JSON.stringify(body),
        headers: { ...auth, "content-type": "application/json" },
      });
      expect(r.statusCode, r.body).toBe(201);
    };
    await put("base", "1.0.0", {});
    await put("app-a", "1.0.0", { base: "^1", helper: "^1" });
    await put("app-b", "1.0.0", { base: "^1" });
    expect((await matchesRecompute()).npm).toEqual({ base: 2, helper: 1 });
    await put("app-b", "2.0.0", { helper: "^1" });
    expect((await matchesRecompute()).npm).toEqual({ base: 1, helper: 2 });
    // A version published under `next` does not change what installs get.
    await put("app-a", "2.0.0-beta.1", { other: "^1" }, "next");
    expect((await matchesRecompute()).npm).toEqual({ base: 1, helper: 2 });
    const tag = await t.app.inject({
      method: "PUT",
      url: "/npm/-/package/app-a/dist-tags/latest",
      payload: JSON.stringify("2.0.0-beta.1"),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(tag.statusCode).toBe(200);
    expect((await matchesRecompute()).npm).toEqual({ helper: 1, other: 1 });
    // Unpublishing app-b@2.0.0 moves latest back to 1.0.0, which depends on base.
    const doc = (await t.app.inject({ url: "/npm/app-b?write=true", headers: auth })).json();
    delete doc.versions["2.0.0"];
    const un = await t.app.inject({
      method: "PUT",
      url: `/npm/app-b/-rev/${doc._rev}`,
      payload: JSON.stringify(doc),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(un.statusCode).toBe(200);
    expect((await matchesRecompute()).npm).toEqual({ base: 1, other: 1 });

    // PyPI through the domain's own mutators, with the grants authorize() gives.
    const bob = await maintainer(t, "bob");
    const actor = { userId: bob.user.id, emailVerified: true };
    const pypiPublish = async (name: string, version: string, requiresDist: string[]) => {
      const bytes = Buffer.from(`${name}-${version}`);
      const project = await findProject(t.deps.db, "pypi", name);
      const grant = await authorize(t.deps, actor, project ? "upload" : "create-project", project, {
        ecosystem: "pypi",
      });
      await publishFile(
        t.deps,
        {},
        {
          ecosystem: "pypi",
          project: { name, normalizedName: name, ultranormalizedName: name.replace(/-/g, "") },
          release: {
            version,
            canonicalVersion: version,
            requiresPython: null,
            summary: null,
            description: null,
            descriptionContentType: null,
            metadata: { requiresDist },
          },
          file: {
            filename: `${name.replace(/-/g, "_")}-${version}.tar.gz`,
            packagetype: "sdist",
            pythonVersion: "source",
            requiresPython: null,
            size: bytes.length,
            sha256: createHash("sha256").update(bytes).digest("hex"),
            blake2b256: createHash("sha256").update(bytes).digest("hex"),
            md5: createHash("md5").update(bytes).digest("hex"),
            metadataSha256: null,
          },
          content: () => Readable.from([bytes]),
          grant,
          authorizeUpload: (p) => authorize(t.deps, actor, "upload", p, { ecosystem: "pypi" }),
        },
      );
    };
    await pypiPublish("web-app", "1.0", ["Requests>=2", "idna"]);
    await pypiPublish("cli-tool", "1.0", ["requests", "click; extra == 'cli'"]);
    expect((await matchesRecompute()).pypi).toEqual({ idna: 1, requests: 2 });
    await pypiPublish("web-app", "2.0", ["httpx"]);
    expect((await matchesRecompute()).pypi).toEqual({ httpx: 1, requests: 1 });
    const project = (await findProject(t.deps.db, "pypi", "web-app"))!;
    const v2 = (await findRelease(t.deps.db, project.id, "2.0"))!;
    const yank = await authorize(t.deps, actor, "yank", project);
    await yankRelease(t.deps, {}, yank, bob.user, project, v2, "broken", true);
    expect((await matchesRecompute()).pypi).toEqual({ idna: 1, requests: 2 });
    await yankRelease(t.deps, {}, yank, bob.user, project, v2, "", false);
    expect((await matchesRecompute()).pypi).toEqual({ httpx: 1, requests: 1 });
    const del = await authorize(t.deps, actor, "delete", project);
    await removeRelease(
      t.deps,
      {},
      del,
      bob.user,
      project,
      (await findRelease(t.deps.db, project.id, "2.0"))!,
    );
    expect((await matchesRecompute()).pypi).toEqual({ idna: 1, requests: 2 });
    // Unpublish (npm's path) of the whole project leaves no latest and so no dependencies.
    const npmProject = (await findProject(t.deps.db, "npm", "app-a"))!;
    const bobless = await t.deps.db
      .selectFrom("roles")
      .select("user_id")
      .where("project_id", "=", npmProject.id)
      .executeTakeFirstOrThrow();
    const grant = await authorize(
      t.deps,
      { userId: bobless.user_id, emailVerified: true },
      "unpublish",
      npmProject,
    );
    await unpublishVersions(t.deps, {}, grant, npmProject, ["1.0.0", "2.0.0-beta.1"], () => null);
    expect((await matchesRecompute()).npm).toEqual({ base: 1 });
  });
});
