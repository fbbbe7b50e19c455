import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import { addScopeOwner, getScope } from "../../packages/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../../test-support/index.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

// Issue 11, HIGH 2: registering a username equal to a scope in use took the scope over — the newcomer
// published @acme/evil and the scope's real owners got SCOPE_TAKEN in their own scope.
describe.each(testDatabases())("npm scope takeover on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const publish = async (name: string, auth: Record<string, string>, version = "1.0.0") =>
    t.app.inject({
      method: "PUT",
      url: `/npm/${escaped(name)}`,
      payload: await publishBody(name, version),
      headers: auth,
    });
  const adduser = (name: string) =>
    t.app.inject({
      method: "PUT",
      url: `/npm/-/user/org.couchdb.user:${name}`,
      payload: {
        _id: `org.couchdb.user:${name}`,
        name,
        type: "user",
        roles: [],
        password: "a long enough password 1",
        email: `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`,
      },
    });
  const usernames = async () =>
    (await t.deps.db.selectFrom("users").select("username").execute()).map((u) => u.username);

  it("refuses a username equal to a scope in use, on every path, and the scope's owners keep publishing", async () => {
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    expect((await publish("@acme/a", alice.auth)).statusCode).toBe(201);
    await addScopeOwner(t.deps, {}, { userId: alice.user.id }, "@acme", "bob");
    expect((await publish("@acme/b", bob.auth)).statusCode).toBe(201);

    // npm adduser, in any case: refused with the reason in body.error (what npm prints).
    for (const name of ["acme", "ACME", "Acme"]) {
      const res = await adduser(name);
      expect([res.statusCode, res.json().error]).toEqual([
        409,
        expect.stringMatching(/@acme is an npm scope/),
      ]);
    }
    // The web form: the message sits beside the username field.
    const web = new FormClient(t.app);
    await web.get("/account/register");
    const form = await web.post("/account/register", {
      username: "AcMe",
      email: "acme@example.com",
      password: "correct horse battery",
    });
    expect(form.statusCode).toBe(409);
    expect(textOf(form.body, "username-error")).toContain("@acme is an npm scope");
    // The operator CLI goes through the same registerUser.
    await expect(
      registerUser(
        t.deps,
        { ip: "cli" },
        { username: "acme", email: "acme@example.org", password: "correct horse battery", verified: true },
        { viaOperator: true },
      ),
    ).rejects.toThrow(/@acme is an npm scope/);
    expect((await usernames()).sort()).toEqual(["alice", "bob"]);

    // The owners keep creating packages; an outsider cannot, and nothing of theirs is stored.
    expect((await publish("@acme/c", alice.auth)).statusCode).toBe(201);
    expect((await publish("@ACME/d".toLowerCase(), bob.auth)).statusCode).toBe(201);
    const carol = await npmUser(t, "carol");
    const before = await stored(t);
    const evil = await publish("@acme/evil", carol.auth);
    expect([evil.statusCode, evil.json().error]).toEqual([
      403,
      expect.stringMatching(/belongs to its owners/),
    ]);
    expect(await stored(t)).toEqual(before);
    expect((await getScope(t.deps.db, "@acme"))?.owners.map((o) => o.username)).toEqual(["alice", "bob"]);
  });

  it("a scope that held packages before scopes were explicit is refused as a username and to outsiders", async () => {
    // Rows as an older version (or another path) left them: a package in @legacy without a scope row.
    const alice = await npmUser(t, "alice");
    expect((await publish("@legacy/a", alice.auth)).statusCode).toBe(201);
    await t.deps.db.deleteFrom("npm_scope_owners").execute();
    await t.deps.db.deleteFrom("npm_scopes").execute();
    expect((await adduser("legacy")).statusCode).toBe(409);
    const carol = await npmUser(t, "carol");
    expect((await publish("@legacy/evil", carol.auth)).statusCode).toBe(403);
  });

  it("gives an unclaimed scope to the user of the same name, and to no one else", async () => {
    const dave = await npmUser(t, "dave");
    const erin = await npmUser(t, "erin");
    const grab = await publish("@dave/x", erin.auth);
    expect([grab.statusCode, grab.json().error]).toEqual([
      403,
      expect.stringMatching(/belongs to the user dave/),
    ]);
    expect((await publish("@dave/x", dave.auth)).statusCode).toBe(201);
    const scope = await getScope(t.deps.db, "dave");
    expect(scope?.owners.map((o) => o.username)).toEqual(["dave"]);
    const events = await t.deps.db
      .selectFrom("events")
      .select(["type", "user_id", "data"])
      .where("type", "=", "scope.claimed")
      .execute();
    expect(events).toEqual([
      { type: "scope.claimed", user_id: dave.user.id, data: JSON.stringify({ scope: "@dave" }) },
    ]);
    // The first publish into a scope nobody is named after claims it for the publisher.
    expect((await publish("@tools/one", erin.auth)).statusCode).toBe(201);
    expect((await publish("@tools/two", dave.auth)).statusCode).toBe(403);
  });

  it("an owner added to one package may publish it, but not create new packages in the scope", async () => {
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    expect((await publish("@acme/a", alice.auth)).statusCode).toBe(201);
    const { _rev } = (await t.app.inject({ url: `/npm/${escaped("@acme/a")}` })).json();
    const add = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("@acme/a")}/-rev/${_rev}`,
      payload: { _id: "@acme/a", _rev, maintainers: [{ name: "alice" }, { name: "bob" }] },
      headers: alice.auth,
    });
    expect(add.statusCode, add.body).toBeLessThan(300);
    expect((await publish("@acme/a", bob.auth, "1.0.1")).statusCode).toBe(201);
    expect((await publish("@acme/new", bob.auth)).statusCode).toBe(403);
  });

  it("two people racing to claim one scope: exactly one owns it, and the other's package is not stored", async () => {
    const people = await Promise.all(["p1", "p2", "p3", "p4"].map((n) => npmUser(t, n)));
    const bodies = await Promise.all(people.map((_, i) => publishBody(`@race/pkg${i}`, "1.0.0")));
    const results = await Promise.all(
      people.map((p, i) =>
        t.app.inject({
          method: "PUT",
          url: `/npm/${escaped(`@race/pkg${i}`)}`,
          payload: bodies[i]!,
          headers: p.auth,
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c !== 201).every((c) => c === 403)).toBe(true);
    const winner = people[codes.indexOf(201)]!;
    expect((await getScope(t.deps.db, "race"))?.owners.map((o) => o.userId)).toEqual([winner.user.id]);
    expect((await t.deps.db.selectFrom("projects").select("name").execute()).map((p) => p.name)).toEqual([
      `@race/pkg${codes.indexOf(201)}`,
    ]);
  });
});
