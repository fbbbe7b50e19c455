import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

// `npm org ls|set|rm <scope>`: scope owners manage scope owners from the CLI (libnpmorg's requests).
describe.each(testDatabases())("npm org (scope owners) on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const publish = async (name: string, auth: Record<string, string>) =>
    (
      await t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        payload: await publishBody(name, "1.0.0"),
        headers: auth,
      })
    ).statusCode;
  const org = (method: "GET" | "PUT" | "DELETE", auth: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url: "/npm/-/org/acme/user", headers: auth, ...(payload ? { payload } : {}) });

  it("adds and removes scope owners; only owners may, with an account-wide token", async () => {
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    const carol = await npmUser(t, "carol");
    expect(await publish("@acme/a", alice.auth)).toBe(201);
    expect(await publish("@acme/b", bob.auth)).toBe(403);

    const stranger = await org("PUT", carol.auth, { user: "carol", role: "owner" });
    expect([stranger.statusCode, stranger.json().error]).toEqual([
      403,
      expect.stringMatching(/Only owners of @acme/),
    ]);

    const limited = await insertToken(t.deps.db, t.clock.now(), {
      userId: alice.user.id,
      name: "ci",
      projectIds: [(await t.deps.db.selectFrom("projects").select("id").executeTakeFirstOrThrow()).id],
      expiresAt: null,
      issuedBy: "user",
    });
    const scoped = await org("PUT", { authorization: `Bearer ${limited.token}` }, { user: "bob" });
    expect([scoped.statusCode, scoped.json().code]).toEqual([403, "TOKEN_SCOPE"]);

    const set = await org("PUT", alice.auth, { user: "bob", role: "developer" });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ org: { name: "acme", size: 2 }, user: "bob", role: "owner" });
    expect(set.headers["npm-notice"]).toMatch(/one role/);
    expect((await org("GET", carol.auth)).json()).toEqual({ alice: "owner", bob: "owner" });
    expect(await publish("@acme/b", bob.auth)).toBe(201);
    const mail = (await t.outbox()).find((m) => m.subject.includes("owner of the npm scope @acme"));
    expect([mail?.to, mail?.text]).toEqual([
      "bob@example.com",
      expect.stringContaining("The user alice made you an owner"),
    ]);

    expect((await org("DELETE", alice.auth, { user: "bob" })).statusCode).toBe(200);
    expect(await publish("@acme/c", bob.auth)).toBe(403);
    const last = await org("DELETE", alice.auth, { user: "alice" });
    expect([last.statusCode, last.json().error]).toEqual([400, expect.stringMatching(/at least one owner/)]);
  });
});
