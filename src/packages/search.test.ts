import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, seedProjects, type TestApp, testDatabases } from "../test-support/index.js";
import { searchProjects } from "./projects.js";
import { searchEcosystem, TRIGRAM_CANDIDATE_CAP } from "./search.js";

describe.each(testDatabases())("name search through its index on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  const names = async (q: string) =>
    (await searchEcosystem(t.deps.db, null, q, 50, 0)).projects.map((p) => p.name);

  it("finds substrings of three characters or more, and shorter ones, ranked exact, prefix, substring", async () => {
    await seedProjects(t, 3, { prefix: "widget" });
    await seedProjects(t, 2, { prefix: "super-widget" });
    await seedProjects(t, 2, { prefix: "gadget" });
    expect(await names("widget-0001")).toEqual(["widget-0001", "super-widget-0001"]);
    expect(await names("idg")).toEqual([
      "super-widget-0000",
      "super-widget-0001",
      "widget-0000",
      "widget-0001",
      "widget-0002",
    ]);
    expect(await names("super")).toEqual(["super-widget-0000", "super-widget-0001"]);
    expect((await names("ga")).sort()).toEqual(["gadget-0000", "gadget-0001"]);
    expect(await names("nothing-like-it")).toEqual([]);
  });

  it("follows projects created and deleted after the index was built", async () => {
    const [first] = await seedProjects(t, 1, { prefix: "late-comer" });
    expect(await names("comer")).toEqual(["late-comer-0000"]);
    await t.deps.db.deleteFrom("projects").where("id", "=", first!.id).execute();
    expect(await names("comer")).toEqual([]);
  });

  it.runIf(kind === "sqlite")(
    "asks the FTS5 trigram table instead of scanning projects (SQLite)",
    async () => {
      await seedProjects(t, 5, { prefix: "plan" });
      const plan = await sql<{ detail: string }>`explain query plan
      select id from projects where id in (select project_id from project_names_trgm where normalized_name like '%lan-00%')`.execute(
        t.deps.db,
      );
      expect(plan.rows.map((r) => r.detail).join("\n")).toMatch(/VIRTUAL TABLE INDEX/);
    },
  );

  it("gives the same pages and count through the scan when a substring is in more names than the index is asked for", async () => {
    await seedProjects(t, TRIGRAM_CANDIDATE_CAP + 3, { prefix: "common" });
    await seedProjects(t, 2, { prefix: "rare-common" });
    const all = await searchEcosystem(t.deps.db, null, "ommo", 5, 0);
    expect(all.total).toBe(TRIGRAM_CANDIDATE_CAP + 5);
    expect(all.projects.map((p) => p.name)).toEqual([
      "common-0000",
      "common-0001",
      "common-0002",
      "common-0003",
      "common-0004",
    ]);
    // Past the exact and prefix matches, the substring ones, as through the index.
    expect(await names("rare-com")).toEqual(["rare-common-0000", "rare-common-0001"]);
    expect((await searchProjects(t.deps.db, "n-000", { offset: 0, limit: 3 })).map((p) => p.name)).toEqual([
      "common-0000",
      "common-0001",
      "common-0002",
      "common-0003",
    ]);
  });
});
