import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addRole, getScope, insertProject } from "../../packages/index.js";
import { escaped, npmUser, publishBody } from "../../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import * as m009 from "./009_npm_scopes.js";

// The backfill decides who owns every scope that existed before ownership was explicit: the people
// owning its packages — never a namesake account registered later (issue 11, HIGH 2).
describe.each(testDatabases())("migration 009 (npm scopes) on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  it("gives each scope holding packages to its packages' owners, not to a user named like it", async () => {
    const db = t.deps.db as unknown as Kysely<unknown>;
    const now = t.clock.now();
    // The state a takeover left: the attacker registered `acme` after others published in @acme.
    const attacker = await npmUser(t, "acme");
    const alice = await npmUser(t, "alice");
    const bob = await npmUser(t, "bob");
    const carol = await npmUser(t, "carol");
    const dave = await npmUser(t, "dave");
    await npmUser(t, "erin");
    await m009.down(db);
    const project = async (name: string, roles: Array<[string, "owner" | "maintainer"]>) => {
      const p = await insertProject(t.deps.db, now, {
        ecosystem: "npm",
        name,
        normalizedName: name,
        ultranormalizedName: name,
      });
      for (const [userId, role] of roles) await addRole(t.deps.db, now, p.id, userId, role);
    };
    await project("@acme/a", [
      [alice.user.id, "owner"],
      [bob.user.id, "maintainer"],
    ]);
    await project("@acme/b", [[carol.user.id, "owner"]]);
    await project("@solo/x", [[dave.user.id, "maintainer"]]);
    await project("plain", [[dave.user.id, "owner"]]);

    await m009.up(db);
    const owners = async (s: string) => (await getScope(t.deps.db, s))?.owners.map((o) => o.username) ?? null;
    expect(await owners("acme")).toEqual(["alice", "carol"]);
    expect(await owners("solo")).toEqual(["dave"]);
    expect(await owners("erin")).toBeNull();
    expect(
      (await t.deps.db.selectFrom("npm_scopes").select("name").orderBy("name").execute()).map((r) => r.name),
    ).toEqual(["acme", "solo"]);

    // After the migration the namesake cannot add packages to @acme; the owners can, a maintainer cannot.
    const put = async (name: string, auth: Record<string, string>) =>
      (
        await t.app.inject({
          method: "PUT",
          url: `/npm/${escaped(name)}`,
          payload: await publishBody(name, "1.0.0"),
          headers: auth,
        })
      ).statusCode;
    expect(await put("@acme/evil", attacker.auth)).toBe(403);
    expect(await put("@acme/c", carol.auth)).toBe(201);
    expect(await put("@acme/d", bob.auth)).toBe(403);
  });
});
