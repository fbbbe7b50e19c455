import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { escaped, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, leaveSudo, reenterSudo, signedInUser } from "./test-fixtures.js";

// The scope page: who owns an npm scope, in public, and the owners' controls (issue 11, HIGH 2).
describe.each(testDatabases())("npm scope page on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  async function setup() {
    const alice = await signedInUser(t, "alice");
    const bob = await signedInUser(t, "bob");
    const token = await accountToken(t, alice.user.id);
    const res = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("@acme/a")}`,
      payload: await publishBody("@acme/a", "1.0.0"),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { alice, bob };
  }
  const owners = async () =>
    (await t.deps.db.selectFrom("npm_scope_owners").select("user_id").orderBy("user_id").execute()).map(
      (r) => r.user_id,
    );

  it("shows owners and packages to everyone, with one canonical URL, linked from the profile", async () => {
    await setup();
    const page = await t.app.inject({ url: "/scopes/acme/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Scope @acme");
    const section = (id: string) => page.body.split(`id="${id}"`)[1]?.split("</section>")[0] ?? "";
    expect(section("owners")).toContain('href="/user/alice/"');
    expect(section("packages")).toContain('<a href="/package/@acme/a">@acme/a</a>');
    expect(page.body).not.toContain("Add owner");
    const upper = await t.app.inject({ url: "/scopes/ACME/" });
    expect([upper.statusCode, upper.headers.location]).toEqual([301, "/scopes/acme/"]);
    const profile = await t.app.inject({ url: "/user/alice/" });
    // The profile links the package's own page, and that page links its scope.
    expect(profile.body).toContain('href="/package/@acme/a"');
    expect((await t.app.inject({ url: "/package/@acme/a" })).body).toContain('href="/scopes/acme/"');
    await signedInUser(t, "carol");
    const unclaimed = await t.app.inject({ url: "/scopes/carol/" });
    expect(textOf(unclaimed.body, "unclaimed")).toContain("reserved for the user carol");
  });

  it("lets scope owners add and remove owners (in sudo), and no one else", async () => {
    const { alice, bob } = await setup();
    expect((await bob.web.get("/scopes/acme/")).body).not.toContain("Add owner");
    const stranger = await bob.web.post("/scopes/acme/owners/add", { username: "bob" });
    expect(stranger.statusCode).toBe(403);
    expect(await owners()).toEqual([alice.user.id]);

    expect((await alice.web.get("/scopes/acme/")).body).toContain("Add owner");
    const unknown = await alice.web.post("/scopes/acme/owners/add", { username: "nobody" });
    expect(unknown.statusCode).toBe(404);
    expect(textOf(unknown.body, "username-error")).toContain("No user named 'nobody'");

    leaveSudo(t);
    const noSudo = await alice.web.post("/scopes/acme/owners/add", { username: "bob" });
    expect(noSudo.headers.location).toMatch(/^\/account\/sudo\?next=/);
    expect(await owners()).toEqual([alice.user.id]);
    await reenterSudo(t, alice.web);

    expect((await alice.web.post("/scopes/acme/owners/add", { username: "bob" })).statusCode).toBe(303);
    expect(await owners()).toEqual([alice.user.id, bob.user.id].sort());
    const events = await t.deps.db
      .selectFrom("events")
      .select("user_id")
      .where("type", "=", "scope.owner_added")
      .execute();
    expect(events.map((e) => e.user_id).sort()).toEqual([alice.user.id, bob.user.id].sort());

    expect((await alice.web.post("/scopes/acme/owners/remove", { username: "bob" })).statusCode).toBe(303);
    expect(await owners()).toEqual([alice.user.id]);
    await alice.web.post("/scopes/acme/owners/remove", { username: "alice" });
    expect((await alice.web.get("/scopes/acme/")).body).toContain("at least one owner");
    expect(await owners()).toEqual([alice.user.id]);
  });
});
