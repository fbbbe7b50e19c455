import { afterEach, describe, expect, it } from "vitest";
import { quarantineQueue } from "../admin/index.js";
import { forgetProtectedNames } from "../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { escaped, npmUser, publishBody } from "./npm/test-fixtures.js";

// Issue 18: the protected set is critical projects, the top N by downloads *and* the top N by dependents
// (the same WHARF_TYPOSQUAT_PROTECT_TOP). A project nobody downloads from this registry yet that many
// packages depend on is a squatter's best target: its look-alike would be installed by typo in
// every dependent's manifest.

describe.each(testDatabases())("look-alikes of much-depended-on projects (%s)", (kind) => {
  let t: TestApp;
  afterEach(() => t.close());

  const publish = async (auth: Record<string, string>, name: string, dependencies = {}) =>
    t.app.inject({
      method: "PUT",
      url: `/npm/${escaped(name)}`,
      payload: await publishBody(name, "1.0.0", { extraManifest: { dependencies } }),
      headers: auth,
    });

  it("holds a look-alike of the top project by dependents, and lets it through while nothing depends on it", async () => {
    t = await createTestApp(kind, { typosquatAction: "hold", typosquatProtectTop: 2 });
    const { auth } = await npmUser(t, "alice");
    const { auth: mallory } = await npmUser(t, "mallory");
    expect((await publish(auth, "left-pad")).statusCode).toBe(201);
    // Not critical, never downloaded, nothing depends on it: not protected, so a near name passes.
    expect((await publish(mallory, "lefft-pad")).statusCode).toBe(201);
    expect((await t.app.inject({ url: "/npm/lefft-pad" })).statusCode).toBe(200);

    for (const app of ["app-one", "app-two", "app-three"])
      expect((await publish(auth, app, { "left-pad": "^1.0.0" })).statusCode).toBe(201);
    // Downloads rank `app-one` first: the download ranking alone does not protect left-pad.
    await t.deps.db
      .insertInto("download_counts")
      .values(
        (
          await t.deps.db
            .selectFrom("projects")
            .select("id")
            .where("name", "in", ["app-one", "app-two"])
            .execute()
        ).map((p) => ({ project_id: p.id, day: Math.floor(t.deps.clock.now() / 86_400_000), count: 50 })),
      )
      .execute();
    forgetProtectedNames(t.deps.db);

    expect((await publish(mallory, "left-pda")).statusCode).toBe(201);
    expect((await t.app.inject({ url: "/npm/left-pda" })).statusCode).toBe(404);
    expect(await quarantineQueue(t.deps)).toMatchObject([
      { projectName: "left-pda", kind: "typosquat", similarTo: "left-pad" },
    ]);
  });

  it("refuses, naming the depended-on project, when the operator chose refuse", async () => {
    t = await createTestApp(kind, { typosquatAction: "refuse", typosquatProtectTop: 1 });
    const { auth } = await npmUser(t, "alice");
    // Depended on but not hosted here: still the name a dependent's typo would resolve next to.
    for (const app of ["app-one", "app-two"])
      expect((await publish(auth, app, { "is-number": "^7" })).statusCode).toBe(201);
    forgetProtectedNames(t.deps.db);
    const res = await publish(auth, "is-nunber");
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toContain("looks like the project 'is-number'");
  });
});
