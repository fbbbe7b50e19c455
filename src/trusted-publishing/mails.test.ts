import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addRole, insertProject } from "../packages/index.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../test-support/index.js";
import { addPublisher, markPublisherUsed } from "./index.js";

describe.each(testDatabases())("a trusted publisher's first use is mailed to the owners on %s", (kind) => {
  let t: TestApp;
  const ctx = { ip: "127.0.0.1" };
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  /** Demo.Pkg (PyPI) owned by alice and bob; carol maintains it. */
  async function setup() {
    const [alice, bob, carol] = [
      await maintainer(t, "alice"),
      await maintainer(t, "bob"),
      await maintainer(t, "carol"),
    ];
    const project = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "Demo.Pkg",
      normalizedName: "demo-pkg",
      ultranormalizedName: "dem0pkg",
    });
    await addRole(t.deps.db, t.clock.now(), project.id, alice.user.id, "owner");
    await addRole(t.deps.db, t.clock.now(), project.id, bob.user.id, "owner");
    await addRole(t.deps.db, t.clock.now(), project.id, carol.user.id, "maintainer");
    const p = await addPublisher(t.deps.db, t.clock.now(), ctx, {
      projectId: project.id,
      provider: "github",
      repository: "acme/demo",
      workflow: "release.yml",
      createdBy: alice.user.id,
    });
    return { p, alice };
  }
  const firstUse = async () =>
    (await t.outbox()).filter(
      (m) => m.subject.includes("for the first time") || m.subject.includes("created"),
    );

  it("each owner (not maintainers) gets one mail naming the publisher, the run and where to remove it", async () => {
    const { p } = await setup();
    const ids = { repositoryId: "1001", repositoryOwnerId: "2001" };
    const run = "https://github.com/acme/demo/actions/runs/77/attempts/1";
    expect(await markPublisherUsed(t.deps.db, t.clock.now(), ctx, p, ids, "Demo.Pkg", { runUrl: run })).toBe(
      true,
    );
    const mails = await firstUse();
    expect(mails.map((m) => m.to).sort()).toEqual(["alice@example.com", "bob@example.com"]);
    expect(mails[0]!.subject).toContain("A trusted publisher published Demo.Pkg for the first time");
    expect(mails[0]!.text).toContain("GitHub acme/demo, workflow release.yml, any environment");
    expect(mails[0]!.text).toContain(run);
    expect(mails[0]!.text).toContain("/manage/project/demo-pkg/#publishing");
    // The second use is not news.
    t.clock.advance(60_000);
    await markPublisherUsed(t.deps.db, t.clock.now(), ctx, { ...p, ...ids }, null, "Demo.Pkg");
    expect(await firstUse()).toHaveLength(2);
  });

  it("a pending publisher's first use tells its owner the project was created", async () => {
    const { p } = await setup();
    await markPublisherUsed(
      t.deps.db,
      t.clock.now(),
      ctx,
      { ...p, pendingProjectName: "Demo.Pkg" },
      null,
      "Demo.Pkg",
    );
    const mails = await firstUse();
    expect(mails[0]!.subject).toContain("Your pending publisher created Demo.Pkg");
  });
});
