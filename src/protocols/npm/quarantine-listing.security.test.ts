import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quarantineProject } from "../../admin/quarantine.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

// Issue 18: a quarantined package exists only for its own people. Listings by user and by scope (npm
// access list packages, the scope page) must not tell anyone else its name.
describe.each(testDatabases())("quarantined npm packages in listings on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  it("are left out of another user's view of a user's and a scope's packages, and kept in the owner's", async () => {
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    for (const name of ["demo", "held-one", "@acme/thing", "@acme/held"]) {
      const res = await t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        headers: { ...alice.auth, "content-type": "application/json" },
        payload: JSON.stringify(await publishBody(name, "1.0.0")),
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const operator = { id: bob.user.id, name: "harbourmaster", ip: "10.0.0.9" };
    await quarantineProject(t.deps, operator, "npm", "held-one", "Reported: steals tokens");
    await quarantineProject(t.deps, operator, "npm", "@acme/held", "Reported: steals tokens");

    const list = async (url: string, auth: Record<string, string>) =>
      Object.keys((await t.app.inject({ url, headers: auth })).json());
    expect(await list("/npm/-/user/alice/package", bob.auth)).toEqual(["@acme/thing", "demo"]);
    expect(await list("/npm/-/user/alice/package", alice.auth)).toEqual([
      "@acme/held",
      "@acme/thing",
      "demo",
      "held-one",
    ]);
    expect(await list("/npm/-/org/acme/package", bob.auth)).toEqual(["@acme/thing"]);
    expect(await list("/npm/-/org/acme/package", alice.auth)).toEqual(["@acme/held", "@acme/thing"]);

    const page = await t.app.inject({ url: "/scopes/acme/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("@acme/thing");
    expect(page.body).not.toContain("@acme/held");
  });
});
