import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize } from "../../authz/index.js";
import { createMandate } from "../../mandates/index.js";
import { buildSdist, buildWheel } from "../../packages/archives/test-fixtures.js";
import { findProject } from "../../packages/index.js";
import { approveStaged, listPending } from "../../staging/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";

describe.each(testDatabases())("twine uploads to a project that stages token uploads (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-staged-"));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (path: string, token: string, version: string) => {
    const form = await twineForm(path, { name: "demo-pkg", version });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  };

  it("keeps every file of the release out of /simple/ until approval, then shows them all", async () => {
    const { token, user } = await maintainer(t, "alice");
    expect(
      (await upload(await buildSdist(dir, { name: "demo-pkg", version: "1.0.0" }), token, "1.0.0"))
        .statusCode,
    ).toBe(200);
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
    for (const path of [
      await buildWheel(dir, { name: "demo-pkg", version: "2.0.0" }),
      await buildSdist(dir, { name: "demo-pkg", version: "2.0.0" }),
    ])
      expect((await upload(path, token, "2.0.0")).statusCode).toBe(200);
    const simple = async () =>
      (
        await t.app.inject({
          url: "/simple/demo-pkg/",
          headers: { accept: "application/vnd.pypi.simple.v1+json" },
        })
      ).json() as {
        files: Array<{ filename: string }>;
      };
    expect((await simple()).files.map((f) => f.filename).filter((f) => f.includes("2.0.0"))).toEqual([]);
    const { items } = await listPending(t.deps.db, { userId: user.id, now: t.clock.now() });
    expect(items).toHaveLength(1);
    expect(items[0]?.files).toHaveLength(2);
    const project = await findProject(t.deps.db, "pypi", "demo-pkg");
    const grant = await authorize(
      t.deps,
      { userId: user.id, emailVerified: true },
      "approve-staged",
      project,
    );
    await approveStaged(t.deps, { ip: "127.0.0.1" }, items[0]?.id ?? "", { grant, factor: "totp" });
    expect((await simple()).files.map((f) => f.filename).filter((f) => f.includes("2.0.0"))).toHaveLength(2);
  });
  it("refuses a token's first upload of a new project under a staging mandate, creating nothing", async () => {
    const { token, user } = await maintainer(t, "carol");
    // The mandate also asks for a second factor: carol has one, so only staging is in question.
    await t.deps.db
      .insertInto("totp_credentials")
      .values({
        user_id: user.id,
        secret_enc: t.deps.keys.encrypt("JBSWY3DPEHPK3PXP", `totp:${user.id}`),
        last_step: 0,
        created_at: t.clock.now(),
      })
      .execute();
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Approve token releases",
      cohort: "all-projects",
      ecosystem: "pypi",
      staging: "any",
      noticeAt: now - 3,
      warnAt: now - 2,
      enforceAt: now - 1,
    });
    const form = await twineForm(await buildSdist(dir, { name: "fresh-pkg", version: "0.1.0" }), {
      name: "fresh-pkg",
      version: "0.1.0",
    });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toMatch(
      /^'fresh-pkg' does not exist yet and publishes from tokens must be approved by a maintainer \(Approve token releases\); a first version cannot be staged\. Add a pending trusted publisher at .*\/account\/publishing/,
    );
    expect(await findProject(t.deps.db, "pypi", "fresh-pkg")).toBeNull();
    expect(
      await t.deps.db.selectFrom("staged_files").selectAll().where("filename", "like", "fresh%").execute(),
    ).toEqual([]);
  });
});
