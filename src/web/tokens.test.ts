import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, leaveSudo, projectIdOf, publish, reenterSudo, signedInUser } from "./test-fixtures.js";

const newToken = (html: string) => /<code id="new-token"[^>]*>(wharf_[A-Za-z0-9_-]+)<\/code>/.exec(html)?.[1];

describe.each(testDatabases())("API tokens page on %s", (kind) => {
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

  it("sends signed-out visitors to the login page", async () => {
    const res = await t.app.inject({ url: "/account/tokens" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/account/login?next=%2Faccount%2Ftokens");
  });

  it("asks for the password again before creating a token outside sudo mode", async () => {
    const { web } = await signedInUser(t, "alice");
    leaveSudo(t);
    await web.get("/account/tokens");
    const res = await web.post("/account/tokens", { name: "ci", scope: "account", expires: "" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/account/sudo?next=%2Faccount%2Ftokens");
    expect(await t.deps.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
    await reenterSudo(t, web);
    expect((await web.get("/account/tokens")).body).toContain(
      "Confirm your password, then create the token again.",
    );
    const created = await web.post("/account/tokens", { name: "ci", scope: "account", expires: "" });
    expect(created.statusCode).toBe(200);
    expect(newToken(created.body)).toMatch(/^wharf_/);
  });

  it("shows a new token once, with .pypirc, twine and .npmrc set-up, and never again nor in clear in the database", async () => {
    const { web, user } = await signedInUser(t, "alice");
    await web.get("/account/tokens");
    const res = await web.post("/account/tokens", { name: "laptop", scope: "account", expires: "30" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    const token = newToken(res.body)!;
    expect(token).toMatch(/^wharf_[A-Za-z0-9_-]{55}$/);
    // Client set-up in files and environment variables; never the token on a twine command line.
    const origin = t.deps.config.origin;
    expect(res.body).toContain(`repository = ${origin}/legacy/\nusername = __token__\npassword = ${token}`);
    expect(res.body).toContain(`TWINE_USERNAME=__token__\nTWINE_PASSWORD=${token}`);
    expect(res.body).toContain(`//${new URL(origin).host}/npm/:_authToken=${token}`);
    expect(res.body).not.toMatch(/ -p wharf_/);
    expect(res.body).toContain(`data-copy="new-token" data-copy-text="${token}"`);
    expect(res.body).toContain("shown only once");

    const list = await web.get("/account/tokens");
    expect(list.body).not.toContain(token);
    expect(list.body).toContain("laptop");
    expect(list.body).toContain(`${token.slice(0, 12)}…`);
    expect(list.body).toContain("Entire account");
    expect(list.body).toContain("Never"); // last used

    const rows = await t.deps.db.selectFrom("api_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.user_id).toBe(user.id);
    expect(rows[0]!.expires_at).toBe(t.clock.now() + 30 * 86_400_000);
    const everything = JSON.stringify([rows, await t.deps.db.selectFrom("events").selectAll().execute()]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(18));

    // The token works for twine.
    const up = await publish(t, dir, token, "laptop-pkg", "1.0");
    expect(up.statusCode).toBe(200);
  });

  it("creates a token scoped to chosen projects that cannot upload elsewhere", async () => {
    const { web, user } = await signedInUser(t, "alice");
    const bootstrap = await accountToken(t, user.id);
    await publish(t, dir, bootstrap, "proj-a", "1.0");
    await publish(t, dir, bootstrap, "proj-b", "1.0");
    const a = await projectIdOf(t, "proj-a");
    const page = await web.get("/account/tokens");
    expect(page.body).toContain("Only these projects");
    expect(page.body).toContain(`value="${a}"`);
    const res = await web.post("/account/tokens", { name: "a only", scope: "projects", projects: a });
    const token = newToken(res.body)!;
    expect(token).toBeTruthy();
    const list = await web.get("/account/tokens");
    const row = /<tr data-token[\s\S]*?<\/tr>/.exec(list.body.slice(list.body.indexOf("a only") - 400))?.[0];
    expect(row).toContain("proj-a");
    expect(row).not.toContain("Entire account");
    expect((await publish(t, dir, token, "proj-a", "1.1")).statusCode).toBe(200);
    const other = await publish(t, dir, token, "proj-b", "1.1");
    expect(other.statusCode).toBe(403);
    expect(other.statusMessage).toContain("not scoped to project 'proj-b'");
  });

  it("shows errors beside the fields: no project chosen, bad expiry, duplicate name", async () => {
    const { web, user } = await signedInUser(t, "alice");
    await publish(t, dir, await accountToken(t, user.id), "proj-a", "1.0");
    await web.get("/account/tokens");
    const none = await web.post("/account/tokens", { name: "x", scope: "projects" });
    expect(none.statusCode).toBe(400);
    expect(textOf(none.body, "projects-error")).toContain("Pick at least one project");
    const bad = await web.post("/account/tokens", { name: "x", scope: "account", expires: "soon" });
    expect(textOf(bad.body, "expires-error")).toContain("whole number of days");
    expect(bad.body).toContain('value="x"');
    const hex = await web.post("/account/tokens", { name: "x", scope: "account", expires: "0x10" });
    expect(textOf(hex.body, "expires-error")).toContain("whole number of days");
    await web.post("/account/tokens", { name: "dup", scope: "account" });
    const dup = await web.post("/account/tokens", { name: "dup", scope: "account" });
    expect(dup.statusCode).toBe(409);
    expect(textOf(dup.body, "name-error")).toContain("already have an active token");
  });

  it("refuses to create tokens until the email address is verified", async () => {
    const { web } = await signedInUser(t, "carol", { verified: false });
    await web.get("/account/tokens");
    const res = await web.post("/account/tokens", { name: "ci", scope: "account" });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("Verify your email address before creating API tokens.");
    expect(await t.deps.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
  });

  it("revokes a token, which then stops working and shows as revoked", async () => {
    const { web } = await signedInUser(t, "alice");
    await web.get("/account/tokens");
    const token = newToken((await web.post("/account/tokens", { name: "old", scope: "account" })).body)!;
    const { id } = await t.deps.db.selectFrom("api_tokens").select("id").executeTakeFirstOrThrow();
    const res = await web.post(`/account/tokens/${id}/revoke`, {});
    expect(res.statusCode).toBe(303);
    const list = await web.get("/account/tokens");
    expect(list.body).toContain("The token was revoked.");
    expect(list.body).toContain(">revoked<");
    expect(list.body).not.toContain(`/account/tokens/${id}/revoke`);
    const up = await publish(t, dir, token, "some-pkg", "1.0");
    expect(up.statusCode).toBe(403);
    expect(up.statusMessage).toContain("revoked");
  });

  it("cannot revoke someone else's token", async () => {
    const alice = await signedInUser(t, "alice");
    const bob = await signedInUser(t, "bob");
    await alice.web.get("/account/tokens");
    await alice.web.post("/account/tokens", { name: "mine", scope: "account" });
    const { id } = await t.deps.db.selectFrom("api_tokens").select("id").executeTakeFirstOrThrow();
    await bob.web.get("/account/tokens");
    await bob.web.post(`/account/tokens/${id}/revoke`, {});
    expect((await bob.web.get("/account/tokens")).body).toContain("That token does not exist.");
    const row = await t.deps.db.selectFrom("api_tokens").select("revoked_at").executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
  });

  it("is linked from the settings page and the header", async () => {
    const { web } = await signedInUser(t, "alice");
    const settings = await web.get("/account/");
    expect(settings.body).toContain('href="/account/tokens"');
    expect(settings.body).toContain('href="/account/projects"');
  });
});
