import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transaction } from "../db/index.js";
import { recomputeDependents } from "../dependents/index.js";
import { DAY } from "../lib/clock.js";
import { simulate } from "../mandates/index.js";
import { insertRelease } from "../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser } from "../test-support/stats.js";
import { computeCriticality } from "./compute.js";
import { getRule, ruleSchema, setRule } from "./rules.js";

const NOW = Date.UTC(2026, 11, 1, 12);
const TODAY = Math.floor(NOW / DAY);

/**
 * npm: app-i depends on core-j when i + j < 10, so core-0 has 10 dependents, core-1 9, ... core-4 6;
 * the apps are the most downloaded, the cores hardly downloaded at all.
 */
describe.each(testDatabases())("criticality by dependents (%s)", (kind) => {
  let t: TestApp;
  const expectedDependents = new Map<string, number>();

  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    const alice = await quickUser(t.deps.db, NOW, { username: "alice" });
    expectedDependents.clear();
    const cores = Array.from({ length: 5 }, (_, j) => `core-${j}`);
    for (const c of cores) {
      const id = await quickProject(t.deps.db, NOW, "npm", c, [alice]);
      await insertRelease(t.deps.db, NOW, {
        projectId: id,
        version: "1.0.0",
        canonicalVersion: "1.0.0",
        requiresPython: null,
        summary: null,
        description: null,
        descriptionContentType: null,
        metadata: {},
      });
    }
    for (let i = 0; i < 10; i++) {
      const name = `app-${i}`;
      const id = await quickProject(t.deps.db, NOW, "npm", name, [alice]);
      // core-j is a dependency of app-i when i + j < 10: core-0 of all ten, core-4 of six.
      const dependencies = Object.fromEntries(cores.filter((_, j) => i + j < 10).map((c) => [c, "^1"]));
      for (const c of Object.keys(dependencies))
        expectedDependents.set(c, (expectedDependents.get(c) ?? 0) + 1);
      await insertRelease(t.deps.db, NOW, {
        projectId: id,
        version: "1.0.0",
        canonicalVersion: "1.0.0",
        requiresPython: null,
        summary: null,
        description: null,
        descriptionContentType: null,
        metadata: { dependencies },
      });
    }
    // Downloads: app-0 the most, cores next to nothing.
    const rows = [];
    for (let i = 0; i < 10; i++) rows.push({ name: `app-${i}`, day: TODAY - 1, count: 10_000 - i * 100 });
    for (const c of cores) rows.push({ name: c, day: TODAY - 1, count: 5 });
    await importCounts(t.deps.db, "npm", rows);
    await transaction(t.deps.db, (tx) => recomputeDependents(tx, "npm"));
  });
  afterEach(() => t.close());

  const critical = async () =>
    (
      await t.deps.db
        .selectFrom("projects")
        .select("normalized_name")
        .where("critical_since", "is not", null)
        .orderBy("normalized_name")
        .execute()
    ).map((r) => r.normalized_name);

  it("a rule 'top K by dependents' designates the K most depended-on projects", async () => {
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
    const expected = [...expectedDependents]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([n]) => n)
      .sort();
    expect(expected).toEqual(["core-0", "core-1", "core-2"]);
    const [report] = await computeCriticality(t.deps, { ecosystem: "npm" });
    expect(await critical()).toEqual(expected);
    expect(report).toMatchObject({ rule: "the 3 projects with the most dependents", cutoffDependents: 8 });
    const event = await t.deps.db
      .selectFrom("events")
      .select("data")
      .where("type", "=", "project.critical")
      .where("project_id", "is not", null)
      .orderBy("data")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(event.data)).toMatchObject({
      project: "core-0",
      dependents: 10,
      reasons: ["the 3 projects with the most dependents (#1: 10 dependents)"],
    });
  });

  it("'top 2 by downloads OR at least 7 dependents': the simulation names the clause that selects each project", async () => {
    await setRule(
      t.deps.db,
      {
        ecosystem: "npm",
        mode: "top-k",
        value: 2,
        windowDays: 30,
        sticky: false,
        dependents: { mode: "threshold", value: 7 },
      },
      NOW,
    );
    expect((await getRule(t.deps.db, "npm")).dependents).toEqual({ mode: "threshold", value: 7 });
    // core-0 (10), core-1 (9), core-2 (8), core-3 (7) by dependents; app-0 and app-1 by downloads.
    const sim = await simulate(t.deps, { cohort: "critical", ecosystem: "npm" });
    const c = sim.criticality[0]!;
    expect(c.rule).toBe(
      "the 2 most downloaded projects over the last 30 days, or projects with at least 7 dependents",
    );
    const why = Object.fromEntries(c.designations.map((d) => [d.name, d.reasons]));
    expect(why).toEqual({
      "app-0": ["the 2 most downloaded projects over the last 30 days (#1: 10,000 downloads)"],
      "app-1": ["the 2 most downloaded projects over the last 30 days (#2: 9,900 downloads)"],
      "core-0": ["projects with at least 7 dependents (#1: 10 dependents)"],
      "core-1": ["projects with at least 7 dependents (#2: 9 dependents)"],
      "core-2": ["projects with at least 7 dependents (#3: 8 dependents)"],
      "core-3": ["projects with at least 7 dependents (#4: 7 dependents)"],
    });
    expect(c.by_clause).toEqual({ downloads: 2, dependents: 4, both: 0, kept: 0, manual: 0 });
    expect(c).toMatchObject({ cutoff_dependents: 7, dependents_population: 5, designations_more: 0 });
    // A hypothetical rule in the simulation: dependents only, top 1, changes nothing stored.
    const only = await simulate(t.deps, {
      cohort: "critical",
      ecosystem: "npm",
      byDownloads: false,
      dependentsTopK: 1,
    });
    expect(only.criticality[0]!.designations).toEqual([
      { name: "core-0", new: true, reasons: ["the project with the most dependents (#1: 10 dependents)"] },
    ]);
    expect(await critical()).toEqual([]);
    // Applied: the same six; then non-sticky with the dependents clause off, the cores lose it.
    await computeCriticality(t.deps, { ecosystem: "npm" });
    expect(await critical()).toEqual(["app-0", "app-1", "core-0", "core-1", "core-2", "core-3"]);
    const after = await simulate(t.deps, { cohort: "critical", ecosystem: "npm", dependents: "off" });
    expect(after.criticality[0]!.removed.map((r) => r.name).sort()).toEqual([
      "core-0",
      "core-1",
      "core-2",
      "core-3",
    ]);
  });

  it("a rule without any clause is refused", () => {
    expect(() => ruleSchema.parse({ ecosystem: "npm", mode: "top-k", value: 1, byDownloads: false })).toThrow(
      /download clause, a dependents clause, or both/,
    );
  });
});
