import { CompiledQuery, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTestApp,
  recordingDb,
  seedProjects,
  seedUsers,
  type TestApp,
  testDatabases,
} from "../test-support/index.js";
import { addRole, projectsOfUserPage } from "./roles.js";

describe.each(testDatabases())("a person's projects, page by page, on %s", (kind) => {
  let t: TestApp;
  let owner: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    await seedUsers(t, 2, "owner");
    const users = await t.deps.db
      .selectFrom("users")
      .select(["id", "username"])
      .orderBy("username")
      .execute();
    owner = users[0]!.id;
  });
  afterEach(() => t.close());

  const page = async (offset: number, limit: number, publicOnly = true) =>
    (await projectsOfUserPage(t.deps.db, owner, { offset, limit }, { publicOnly })).map(
      (p) => `${p.name}/${p.ecosystem}`,
    );

  it("lists them by name then ecosystem, whatever order they were created in", async () => {
    await seedProjects(t, 2, { prefix: "zeta", owner });
    await seedProjects(t, 2, { prefix: "beta", ecosystem: "npm", owner });
    await seedProjects(t, 2, { prefix: "beta", owner });
    await seedProjects(t, 1, { prefix: "alpha", ecosystem: "rubygems", owner });
    // limit + 1 rows: the one past the page tells the pager there is a next page (lib/paging.ts).
    expect(await page(0, 3)).toEqual([
      "alpha-0000/rubygems",
      "beta-0000/npm",
      "beta-0000/pypi",
      "beta-0001/npm",
    ]);
    expect(await page(3, 10)).toEqual([
      "beta-0001/npm",
      "beta-0001/pypi",
      "zeta-0000/pypi",
      "zeta-0001/pypi",
    ]);
  });

  it("leaves quarantined projects off the public profile and keeps them for their own people", async () => {
    const [hidden] = await seedProjects(t, 2, { prefix: "gamma", owner });
    await t.deps.db
      .updateTable("projects")
      .set({ quarantined_at: t.clock.now() })
      .where("id", "=", hidden!.id)
      .execute();
    expect(await page(0, 10)).toEqual(["gamma-0001/pypi"]);
    expect(await page(0, 10, false)).toEqual(["gamma-0000/pypi", "gamma-0001/pypi"]);
  });

  it("keeps roles given later through the domain, and a project renamed by hand, in order", async () => {
    const [late] = await seedProjects(t, 1, { prefix: "mid" });
    await seedProjects(t, 2, { prefix: "omega", owner });
    await addRole(t.deps.db, t.clock.now(), late!.id, owner, "maintainer");
    expect(await page(0, 10)).toEqual(["mid-0000/pypi", "omega-0000/pypi", "omega-0001/pypi"]);
    await t.deps.db
      .updateTable("projects")
      .set({ name: "aaa-first", normalized_name: "aaa-first" })
      .where("id", "=", late!.id)
      .execute();
    expect(await page(0, 10)).toEqual(["aaa-first/pypi", "omega-0000/pypi", "omega-0001/pypi"]);
  });

  it.runIf(kind === "sqlite")(
    "walks the roles index in page order instead of sorting every project of the person (SQLite)",
    async () => {
      await seedProjects(t, 5, { prefix: "plan", owner });
      const { db, queries } = recordingDb(t.deps.db);
      await projectsOfUserPage(db, owner, { offset: 0, limit: 2 }, { publicOnly: true });
      const plan = await t.deps.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${queries[0]!.sql}`, [owner, 3, 0]),
      );
      const detail = plan.rows.map((r) => r.detail).join("\n");
      expect(detail).toMatch(/roles_user_order/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    },
  );

  it("fills the order of roles that existed before the migration", async () => {
    await seedProjects(t, 2, { prefix: "old", owner });
    await sql`update roles set project_name = null, project_ecosystem = null`.execute(t.deps.db);
    const { up, down } = await import("../db/migrations/040_profile_order.js");
    await down(t.deps.db as never);
    await up(t.deps.db as never);
    expect(await page(0, 10)).toEqual(["old-0000/pypi", "old-0001/pypi"]);
  });
});
