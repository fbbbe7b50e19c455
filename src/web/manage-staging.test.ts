import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMandate } from "../mandates/index.js";
import { addRole, findProject } from "../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

/** The manage page's "stage uploads" rule (issue 16): owners set it under sudo; owners are told. */
describe.each(testDatabases())("the staging rule on the manage page (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-staging-rule-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rule = async () =>
    (await t.deps.db.selectFrom("projects").select("stage_requirement").executeTakeFirstOrThrow())
      .stage_requirement;

  it("shows the rule, saves a change as an event, mails the owners, and refuses a bad value beside the field", async () => {
    const { web, user } = await signedInUser(t, "alice");
    expect((await publish(t, dir, await accountToken(t, user.id), "demo-pkg", "1.0")).statusCode).toBe(200);
    const page = (await web.get("/manage/project/demo-pkg/")).body;
    expect(page).toContain('id="staging"');
    expect(page).toMatch(/<input type="radio" name="stage" value="none" checked/);
    const saved = await web.post("/manage/project/demo-pkg/staging", { stage: "phishing-resistant" });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe("/manage/project/demo-pkg/#staging");
    expect(await rule()).toBe("phishing-resistant");
    const events = await t.deps.db
      .selectFrom("events")
      .select("data")
      .where("type", "=", "project.stage_requirement")
      .where("project_id", "is not", null)
      .execute();
    expect(events.map((e) => JSON.parse(e.data))).toMatchObject([
      { project: "demo-pkg", requirement: "phishing-resistant", previous: "none" },
    ]);
    const mails = (await t.outbox()).filter((m) =>
      m.subject.endsWith("The staging rule of demo-pkg changed"),
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain("security key or passkey (before: publish directly)");
    // The same rule again changes nothing and mails nobody.
    await web.post("/manage/project/demo-pkg/staging", { stage: "phishing-resistant" });
    expect((await t.outbox()).filter((m) => m.subject.includes("The staging rule"))).toHaveLength(1);

    const bad = await web.post("/manage/project/demo-pkg/staging", { stage: "sometimes" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/<p class="field-error" id="stage-error" role="alert">Choose publish directly/);
    expect(await rule()).toBe("phishing-resistant");
  });

  it("says when an enforced mandate imposes a stronger rule, and lets only owners change it", async () => {
    const { web, user } = await signedInUser(t, "alice");
    expect((await publish(t, dir, await accountToken(t, user.id), "demo-pkg", "1.0")).statusCode).toBe(200);
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Approve token releases",
      cohort: "all-projects",
      staging: "any",
      strength: "any",
      noticeAt: now - 3,
      warnAt: now - 2,
      enforceAt: now - 1,
    });
    // Alice has no second factor: the mandate now refuses her the manage page's writes, so a maintainer
    // is shown it (read-only) instead.
    const bob = await signedInUser(t, "bob");
    const project = await findProject(t.deps.db, "pypi", "demo-pkg");
    await addRole(t.deps.db, t.clock.now(), project?.id ?? "", bob.user.id, "maintainer");
    const page = (await bob.web.get("/manage/project/demo-pkg/")).body;
    expect(page).toMatch(
      /id="staging-mandate"[^>]*>Publishes from tokens to 'demo-pkg' must be approved by a maintainer \(Approve token releases\)/,
    );
    expect(page).toMatch(/<p id="staging-rule">Publish them directly<\/p>/);
    const refused = await bob.web.post("/manage/project/demo-pkg/staging", { stage: "none" });
    expect(refused.statusCode).toBe(403);
    expect(await rule()).toBe("none");
  });
});
