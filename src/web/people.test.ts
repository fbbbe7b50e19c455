import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, leaveSudo, projectIdOf, publish, reenterSudo, signedInUser } from "./test-fixtures.js";

describe.each(testDatabases())("project people and invitations on %s", (kind) => {
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

  /** alice owns "demo-pkg"; bob exists and is signed in. */
  async function setup() {
    const alice = await signedInUser(t, "alice");
    const bob = await signedInUser(t, "bob");
    await publish(t, dir, await accountToken(t, alice.user.id), "demo-pkg", "1.0");
    return { alice, bob, projectId: await projectIdOf(t, "demo-pkg") };
  }

  const roleOf = async (projectId: string, userId: string) =>
    (
      await t.deps.db
        .selectFrom("roles")
        .select("role")
        .where("project_id", "=", projectId)
        .where("user_id", "=", userId)
        .executeTakeFirst()
    )?.role ?? null;

  it("invites a user by mail; accepting makes them a maintainer", async () => {
    const { alice, bob, projectId } = await setup();
    const manage = await alice.web.get("/manage/project/demo-pkg/");
    expect(manage.statusCode).toBe(200);
    const res = await alice.web.post("/manage/project/demo-pkg/invite", {
      username: "bob",
      role: "maintainer",
    });
    expect(res.statusCode).toBe(303);
    const after = await alice.web.get("/manage/project/demo-pkg/");
    expect(after.body).toContain("We sent bob an invitation.");
    expect(after.body).toContain('data-invitation="bob"');
    const mail = (await t.outbox()).find((m) => m.subject.includes("Invitation to demo-pkg"));
    expect(mail?.to).toContain("bob@example.com");
    expect(mail?.text).toContain("/account/projects");

    const page = await bob.web.get("/account/projects");
    expect(page.body).toContain(
      "<strong>alice</strong> invited you to be a maintainer of <strong>demo-pkg</strong>",
    );
    const id = /\/account\/invitations\/([^/]+)\/accept/.exec(page.body)![1]!;
    const accepted = await bob.web.post(`/account/invitations/${id}/accept`, {});
    expect(accepted.headers.location).toBe("/account/projects");
    const mine = await bob.web.get("/account/projects");
    expect(mine.body).toContain("You joined demo-pkg.");
    expect(mine.body).toContain('href="/project/demo-pkg/"');
    expect(mine.body).toContain("Maintainer");
    expect(await roleOf(projectId, bob.user.id)).toBe("maintainer");
    // Spent: a second accept is refused.
    await bob.web.post(`/account/invitations/${id}/accept`, {});
    expect((await bob.web.get("/account/projects")).body).toContain("does not exist or has expired");
  });

  it("declining an invitation adds no role and closes it", async () => {
    const { alice, bob, projectId } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    await alice.web.post("/manage/project/demo-pkg/invite", { username: "bob", role: "owner" });
    const page = await bob.web.get("/account/projects");
    expect(page.body).toContain("an owner of <strong>demo-pkg</strong>");
    const id = /\/account\/invitations\/([^/]+)\/decline/.exec(page.body)![1]!;
    await bob.web.post(`/account/invitations/${id}/decline`, {});
    const after = await bob.web.get("/account/projects");
    expect(after.body).toContain("You declined the invitation.");
    expect(after.body).not.toContain("/decline");
    expect(await roleOf(projectId, bob.user.id)).toBeNull();
    expect((await alice.web.get("/manage/project/demo-pkg/")).body).not.toContain('data-invitation="bob"');
  });

  it("shows invite errors beside the username field", async () => {
    const { alice } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    const unknown = await alice.web.post("/manage/project/demo-pkg/invite", {
      username: "nobody",
      role: "maintainer",
    });
    expect(unknown.statusCode).toBe(404);
    expect(textOf(unknown.body, "username-error")).toBe("No user with that name.");
    expect(unknown.body).toContain('value="nobody"');
    const self = await alice.web.post("/manage/project/demo-pkg/invite", {
      username: "alice",
      role: "owner",
    });
    expect(textOf(self.body, "username-error")).toContain("already has a role");
  });

  it("refuses to remove the last owner and says why", async () => {
    const { alice, projectId } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    const res = await alice.web.post("/manage/project/demo-pkg/people/remove", { user_id: alice.user.id });
    expect(res.headers.location).toBe("/manage/project/demo-pkg/#people");
    const page = await alice.web.get("/manage/project/demo-pkg/");
    expect(page.body).toContain("A project must keep at least one owner.");
    expect(await roleOf(projectId, alice.user.id)).toBe("owner");
  });

  it("removes a maintainer after sudo, and asks for the password again outside sudo", async () => {
    const { alice, bob, projectId } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    await alice.web.post("/manage/project/demo-pkg/invite", { username: "bob", role: "maintainer" });
    const id = /\/account\/invitations\/([^/]+)\/accept/.exec(
      (await bob.web.get("/account/projects")).body,
    )![1]!;
    await bob.web.post(`/account/invitations/${id}/accept`, {});
    leaveSudo(t);
    await alice.web.get("/manage/project/demo-pkg/");
    const sudo = await alice.web.post("/manage/project/demo-pkg/people/remove", { user_id: bob.user.id });
    expect(sudo.headers.location).toBe(
      `/account/sudo?next=${encodeURIComponent("/manage/project/demo-pkg/#people")}`,
    );
    expect(await roleOf(projectId, bob.user.id)).toBe("maintainer");
    await reenterSudo(t, alice.web);
    await alice.web.get("/manage/project/demo-pkg/");
    await alice.web.post("/manage/project/demo-pkg/people/remove", { user_id: bob.user.id });
    expect(await roleOf(projectId, bob.user.id)).toBeNull();
    const history = await alice.web.get("/manage/project/demo-pkg/");
    expect(history.body).toContain('data-event="role.removed"');
    expect(history.body).toContain('data-event="role.added"');
    expect(history.body).toContain('data-event="role.invited"');
  });

  it("gives maintainers a read-only view and strangers a 403 page", async () => {
    const { alice, bob } = await setup();
    await alice.web.get("/manage/project/demo-pkg/");
    await alice.web.post("/manage/project/demo-pkg/invite", { username: "bob", role: "maintainer" });
    const id = /\/account\/invitations\/([^/]+)\/accept/.exec(
      (await bob.web.get("/account/projects")).body,
    )![1]!;
    await bob.web.post(`/account/invitations/${id}/accept`, {});
    const view = await bob.web.get("/manage/project/demo-pkg/");
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('id="read-only"');
    expect(view.body).not.toContain("/invite");
    expect(view.body).not.toContain('aria-label="Remove alice"');
    expect(view.body).toContain('aria-label="Leave the project"');
    expect(view.body).not.toContain("/release/1.0/delete");
    const removeAlice = await bob.web.post("/manage/project/demo-pkg/people/remove", {
      user_id: alice.user.id,
    });
    expect(removeAlice.statusCode).toBe(403);
    const post = await bob.web.post("/manage/project/demo-pkg/release/1.0/yank", { reason: "x" });
    expect(post.statusCode).toBe(403);
    expect(post.body).toContain("Only owners");

    // A maintainer may leave on their own.
    await bob.web.get("/manage/project/demo-pkg/");
    const left = await bob.web.post("/manage/project/demo-pkg/people/remove", { user_id: bob.user.id });
    expect(left.headers.location).toBe("/account/projects");
    expect((await bob.web.get("/account/projects")).body).toContain("You left demo-pkg.");

    const { web: carol } = await signedInUser(t, "carol");
    const stranger = await carol.get("/manage/project/demo-pkg/");
    expect(stranger.statusCode).toBe(403);
    expect(stranger.body).toContain("not an owner or maintainer");
    expect((await carol.get("/manage/project/nope/")).statusCode).toBe(404);
  });
});
