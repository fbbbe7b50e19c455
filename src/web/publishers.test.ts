import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, leaveSudo, publish, signedInUser } from "./test-fixtures.js";

const GH = { gh_repository: "acme/demo-pkg", gh_workflow: "release.yml", gh_environment: "pypi" };

describe.each(testDatabases())("trusted publishers on the manage page on %s", (kind) => {
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

  /** alice owns "demo-pkg"; bob exists (signed in) and is nobody on it. */
  async function setup() {
    const alice = await signedInUser(t, "alice");
    const bob = await signedInUser(t, "bob");
    expect((await publish(t, dir, await accountToken(t, alice.user.id), "demo-pkg", "1.0")).statusCode).toBe(
      200,
    );
    return { alice, bob };
  }
  const publishers = () => t.deps.db.selectFrom("trusted_publishers").selectAll().execute();

  it("an owner adds a GitHub publisher: listed with who added it, mailed to the owners, in the history", async () => {
    const { alice } = await setup();
    const empty = await alice.web.get("/manage/project/demo-pkg/");
    expect(empty.body).toContain('id="no-publishers"');
    expect(empty.body).toContain("pinned the first time the publisher is used");
    const res = await alice.web.post("/manage/project/demo-pkg/publishers/add-github", GH);
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe("/manage/project/demo-pkg/#publishing");
    const page = await alice.web.get("/manage/project/demo-pkg/");
    expect(page.body).toContain("can now publish demo-pkg from release.yml");
    const [row] = await publishers();
    expect(row).toMatchObject({ repository: "acme/demo-pkg", workflow: "release.yml", environment: "pypi" });
    expect(page.body).toContain(`data-publisher="${row!.id}"`);
    expect(page.body).toContain("<code>acme/demo-pkg</code>");
    expect(page.body).toContain("by alice");
    expect(page.body).toContain("never");
    expect(page.body).toContain('data-event="trusted_publisher.added"');
    const mail = (await t.outbox()).find((m) => m.subject.includes("trusted publisher was added"));
    expect(mail?.to).toContain("alice@example.com");
    expect(mail?.text).toContain("GitHub acme/demo-pkg, workflow release.yml, environment pypi");
    expect(mail?.text).toContain("on the web");
  });

  it("shows every field's error at once, keeps what was typed, and stores nothing", async () => {
    const { alice } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    const res = await alice.web.post("/manage/project/demo-pkg/publishers/add-github", {
      gh_repository: "",
      gh_workflow: ".github/workflows/sub/release.txt",
      gh_environment: "bad\u0001env",
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "gh_repository-error")).toBe("Enter the repository, as owner/name.");
    expect(textOf(res.body, "gh_workflow-error")).toContain("file name in .github/workflows");
    expect(textOf(res.body, "gh_environment-error")).toContain("255 printable characters");
    expect(res.body).toContain('value=".github/workflows/sub/release.txt"');
    const gl = await alice.web.post("/manage/project/demo-pkg/publishers/add-gitlab", {
      gl_repository: "justone",
      gl_workflow: "ci.yml",
      gl_environment: "",
    });
    expect(gl.statusCode).toBe(400);
    expect(textOf(gl.body, "gl_repository-error")).toContain("namespace/project");
    expect(textOf(gl.body, "gl_workflow-error")).toBeUndefined();
    expect(await publishers()).toHaveLength(0);
  });

  it("asks for sudo first and stores nothing until then", async () => {
    const { alice } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    leaveSudo(t);
    const res = await alice.web.post("/manage/project/demo-pkg/publishers/add-github", GH);
    expect(res.headers.location).toContain("/account/sudo?next=");
    expect(await publishers()).toHaveLength(0);
  });

  it("an owner removes a publisher: mailed, gone, and another project's publisher id is not found", async () => {
    const { alice } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    await alice.web.post("/manage/project/demo-pkg/publishers/add-github", GH);
    const again = await alice.web.post("/manage/project/demo-pkg/publishers/add-github", GH);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("already configured");
    expect((await publish(t, dir, await accountToken(t, alice.user.id), "other-pkg", "1.0")).statusCode).toBe(
      200,
    );
    const [row] = await publishers();
    await alice.web.get("/manage/project/other-pkg/");
    await alice.web.post("/manage/project/other-pkg/publishers/remove", { publisher_id: row!.id });
    expect((await alice.web.get("/manage/project/other-pkg/")).body).toContain("No such trusted publisher");
    expect(await publishers()).toHaveLength(1);

    const res = await alice.web.post("/manage/project/demo-pkg/publishers/remove", { publisher_id: row!.id });
    expect(res.statusCode).toBe(303);
    const page = await alice.web.get("/manage/project/demo-pkg/");
    expect(page.body).toContain("can no longer publish demo-pkg");
    expect(page.body).toContain('id="no-publishers"');
    expect(
      (await t.outbox()).some((m) => m.subject.includes("trusted publisher was removed from demo-pkg")),
    ).toBe(true);
  });

  it("a stranger cannot add one, and the npm manage page takes the GitLab form", async () => {
    const { alice, bob } = await setup();
    await bob.web.get("/");
    const res = await bob.web.post("/manage/project/demo-pkg/publishers/add-github", GH);
    expect(res.statusCode).toBe(403);
    expect(await publishers()).toHaveLength(0);

    const token = await accountToken(t, alice.user.id);
    const { publishBody } = await import("../protocols/npm/test-fixtures.js");
    const put = await t.app.inject({
      method: "PUT",
      url: "/npm/npm-demo",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify(await publishBody("npm-demo", "1.0.0")),
    });
    expect(put.statusCode, put.body).toBe(201);
    const page = await alice.web.get("/manage/package/npm-demo/");
    expect(page.body).toContain("npm trust github npm-demo");
    const gl = await alice.web.post("/manage/package/npm-demo/publishers/add-gitlab", {
      gl_repository: "group/sub/npm-demo",
      gl_workflow: ".gitlab-ci.yml",
      gl_environment: "",
    });
    expect(gl.statusCode, gl.body).toBe(303);
    expect(gl.headers.location).toBe("/manage/package/npm-demo/#publishing");
    expect((await alice.web.get("/manage/package/npm-demo/")).body).toContain("GitLab CI/CD");
  });
});

describe.each(testDatabases())("pending publishers (/account/publishing) on %s", (kind) => {
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

  const pending = (name: string, extra: Record<string, string> = {}) => ({
    gh_ecosystem: "pypi",
    gh_project_name: name,
    gh_repository: `acme/${name}`,
    gh_workflow: "release.yml",
    gh_environment: "",
    ...extra,
  });
  const rows = () => t.deps.db.selectFrom("trusted_publishers").selectAll().execute();

  it("adds a pending publisher for a new name, lists it, and removes it", async () => {
    const alice = await signedInUser(t, "alice");
    expect((await alice.web.get("/account/publishing")).body).toContain('id="no-pending"');
    const res = await alice.web.post("/account/publishing/add-github", pending("brand-new"));
    expect(res.statusCode, res.body).toBe(303);
    const page = await alice.web.get("/account/publishing");
    expect(page.body).toContain("creates brand-new, owned by you");
    const [row] = await rows();
    expect(row).toMatchObject({ project_id: null, pending_project_name: "brand-new", ecosystem: "pypi" });
    expect(page.body).toContain(`data-publisher="${row!.id}"`);
    const history = await alice.web.get("/account/security-history");
    expect(history.body).toContain("Trusted publisher added");

    await alice.web.post("/account/publishing/remove", { publisher_id: row!.id });
    expect((await alice.web.get("/account/publishing")).body).toContain(
      "Removed the pending publisher of brand-new",
    );
    expect(await rows()).toHaveLength(0);
  });

  it("refuses existing, prohibited and look-alike names beside the field, with the other errors", async () => {
    const alice = await signedInUser(t, "alice");
    expect((await publish(t, dir, await accountToken(t, alice.user.id), "demo-pkg", "1.0")).statusCode).toBe(
      200,
    );
    await alice.web.get("/account/publishing");
    const taken = await alice.web.post(
      "/account/publishing/add-github",
      pending("Demo_Pkg", { gh_workflow: "x" }),
    );
    expect(taken.statusCode).toBe(400);
    expect(textOf(taken.body, "gh_project_name-error")).toContain("exists already");
    expect(textOf(taken.body, "gh_workflow-error")).toContain("release.yml");
    const twin = await alice.web.post("/account/publishing/add-github", pending("dem0-pkg"));
    expect(textOf(twin.body, "gh_project_name-error")).toContain(
      "too similar to the existing project 'demo-pkg'",
    );
    await t.deps.db
      .insertInto("prohibited_names")
      .values({
        ecosystem: "pypi",
        normalized_name: "forbidden",
        reason: "test",
        created_by: "op",
        created_at: 0,
      })
      .execute();
    const banned = await alice.web.post("/account/publishing/add-github", pending("Forbidden"));
    expect(textOf(banned.body, "gh_project_name-error")).toContain("not allowed");
    const badName = await alice.web.post("/account/publishing/add-github", pending("-bad-"));
    expect(textOf(badName.body, "gh_project_name-error")).toBeTruthy();
    expect(await rows()).toHaveLength(0);
  });

  it("holds at most three per account, and a name another account's pending publisher holds", async () => {
    const alice = await signedInUser(t, "alice");
    const bob = await signedInUser(t, "bob");
    await alice.web.get("/account/publishing");
    for (const n of ["one-a", "two-b", "three-c"])
      expect((await alice.web.post("/account/publishing/add-github", pending(n))).statusCode).toBe(303);
    const page = await alice.web.get("/account/publishing");
    expect(page.body).toContain('id="pending-full"');
    expect(page.body).not.toContain('action="/account/publishing/add-github"');
    const fourth = await alice.web.post("/account/publishing/add-github", pending("four-d"));
    expect(fourth.statusCode).toBe(403);
    expect(fourth.body).toContain("3 pending publishers at a time");
    await bob.web.get("/account/publishing");
    const theirs = await bob.web.post(
      "/account/publishing/add-github",
      pending("one-a", { gh_repository: "bob/x" }),
    );
    expect(theirs.statusCode).toBe(409);
    expect(theirs.body).toContain("reserved by another account");
    expect(await rows()).toHaveLength(3);
  });

  it("an unverified account is told to verify first and cannot add one", async () => {
    const carol = await signedInUser(t, "carol", { verified: false });
    const page = await carol.web.get("/account/publishing");
    expect(page.body).toContain('id="verify-first"');
    const res = await carol.web.post("/account/publishing/add-github", pending("carols-new"));
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("Verify your account");
    expect(await rows()).toHaveLength(0);
  });
});
