import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, leaveSudo, publish, reenterSudo, signedInUser, simpleJson } from "./test-fixtures.js";

describe.each(testDatabases())("managing releases on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-web-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** alice owns demo-pkg 1.0 and 2.0. */
  async function setup() {
    const alice = await signedInUser(t, "alice");
    const token = await accountToken(t, alice.user.id);
    expect((await publish(t, dir, token, "demo-pkg", "1.0")).statusCode).toBe(200);
    expect((await publish(t, dir, token, "demo-pkg", "2.0")).statusCode).toBe(200);
    await alice.web.get("/manage/project/demo-pkg/");
    return { ...alice, token };
  }

  const v2Wheel = "demo_pkg-2.0-py3-none-any.whl";

  it("yanks with a reason and un-yanks, as the simple API shows", async () => {
    const { web } = await setup();
    const res = await web.post("/manage/project/demo-pkg/release/2.0/yank", { reason: "broken <build>" });
    expect(res.statusCode).toBe(303);
    let simple = await simpleJson(t, "demo-pkg");
    expect(simple.body.files.find((f) => f.filename === v2Wheel)?.yanked).toBe("broken <build>");
    expect(simple.body.files.find((f) => f.filename.includes("-1.0-"))?.yanked).toBe(false);

    const project = await web.get("/project/demo-pkg/");
    expect(project.body).toContain('<span class="badge warn">yanked</span>');
    expect(project.body).toContain("Reason: broken &lt;build");
    expect(project.body).not.toContain("<build>");
    // The latest non-yanked release is on display now.
    expect(textOf(project.body, "install-command")).toContain("demo-pkg");
    expect(project.body).toMatch(/<h1>demo-pkg <span class="version">1\.0<\/span>/);
    const pinned = await web.get("/project/demo-pkg/2.0/");
    expect(pinned.body).toContain('id="yanked-notice"');

    await web.get("/manage/project/demo-pkg/");
    await web.post("/manage/project/demo-pkg/release/2.0/unyank", {});
    simple = await simpleJson(t, "demo-pkg");
    expect(simple.body.files.every((f) => f.yanked === false)).toBe(true);
    const history = await web.get("/manage/project/demo-pkg/");
    expect(history.body).toContain('data-event="release.yanked"');
    expect(history.body).toContain('data-event="release.unyanked"');
  });

  it("shows a too-long yank reason beside the field", async () => {
    const { web } = await setup();
    const res = await web.post("/manage/project/demo-pkg/release/2.0/yank", { reason: "x".repeat(501) });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "reason-2_0-error")).toBe("Keep the reason under 500 characters.");
  });

  it("deletes a release only in sudo mode and with the version typed exactly", async () => {
    const { web, token } = await setup();
    leaveSudo(t);
    await web.get("/manage/project/demo-pkg/");
    const sudo = await web.post("/manage/project/demo-pkg/release/2.0/delete", { confirm: "2.0" });
    expect(sudo.statusCode).toBe(303);
    expect(sudo.headers.location).toBe(
      `/account/sudo?next=${encodeURIComponent("/manage/project/demo-pkg/#releases")}`,
    );
    expect((await simpleJson(t, "demo-pkg")).body.versions).toEqual(["1.0", "2.0"]);
    await reenterSudo(t, web);

    await web.get("/manage/project/demo-pkg/");
    const wrong = await web.post("/manage/project/demo-pkg/release/2.0/delete", { confirm: "1.0" });
    expect(wrong.statusCode).toBe(400);
    expect(textOf(wrong.body, "confirm-release-2_0-error")).toBe(
      "Type the version “2.0” exactly to delete it.",
    );
    expect(wrong.body).toContain("<details open><summary>Delete this release");
    expect((await simpleJson(t, "demo-pkg")).body.versions).toEqual(["1.0", "2.0"]);

    const done = await web.post("/manage/project/demo-pkg/release/2.0/delete", { confirm: "2.0" });
    expect(done.statusCode).toBe(303);
    const simple = await simpleJson(t, "demo-pkg");
    expect(simple.body.versions).toEqual(["1.0"]);
    expect(simple.body.files.map((f) => f.filename)).not.toContain(v2Wheel);
    const api = (await t.app.inject({ url: "/pypi/demo-pkg/json" })).json();
    expect(Object.keys(api.releases)).toEqual(["1.0"]);
    expect((await t.app.inject({ url: "/pypi/demo-pkg/2.0/json" })).statusCode).toBe(404);
    expect((await web.get("/project/demo-pkg/2.0/")).statusCode).toBe(404);

    // The file name stays reserved forever.
    const again = await publish(t, dir, token, "demo-pkg", "2.0");
    expect(again.statusCode).toBe(400);
    expect(again.statusMessage).toMatch(/^File already exists/);
  });

  it("deletes a single file after typing its name; the file is gone from /simple/ and /files/", async () => {
    const { web } = await setup();
    const before = await simpleJson(t, "demo-pkg");
    const url = before.body.files.find((f) => f.filename === v2Wheel)!.url;
    const page = await web.get("/manage/project/demo-pkg/");
    const fileId = new RegExp(`/manage/project/demo-pkg/file/([^/]+)/delete"[\\s\\S]{0,400}?${v2Wheel}`).exec(
      page.body,
    )![1]!;
    const wrong = await web.post(`/manage/project/demo-pkg/file/${fileId}/delete`, { confirm: "nope.whl" });
    expect(wrong.statusCode).toBe(400);
    expect(textOf(wrong.body, `confirm-file-${fileId}-error`)).toContain(`“${v2Wheel}” exactly`);
    await web.post(`/manage/project/demo-pkg/file/${fileId}/delete`, { confirm: v2Wheel });
    const after = await simpleJson(t, "demo-pkg");
    expect(after.body.files.map((f) => f.filename)).not.toContain(v2Wheel);
    expect((await t.app.inject({ url })).statusCode).toBe(404);
    expect((await web.get("/manage/project/demo-pkg/")).body).toContain('data-event="file.deleted"');
  });
});
