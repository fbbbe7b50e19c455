import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMandate } from "../mandates/index.js";
import { npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { PASSWORD } from "../web/test-fixtures.js";

/**
 * Issue 13, item 7: token creation is gated by what the token can write. A maintainer under a key-only
 * mandate on one package could not even create a read-only token for another one.
 */
describe.each(testDatabases())("token creation under a mandate (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  async function enforce(input: { cohort: "projects" | "all-projects"; projects?: string[] }) {
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Keys only",
      ecosystem: "npm",
      strength: "phishing-resistant",
      noticeAt: now,
      warnAt: now,
      enforceAt: now + 1,
      ...input,
    });
    t.clock.advance(10);
  }

  let n = 0;
  async function user(name: string, packages: string[]) {
    const u = await npmUser(t, name);
    for (const p of packages) {
      const res = await t.app.inject({
        method: "PUT",
        url: `/npm/${p}`,
        payload: JSON.stringify(await publishBody(p, "1.0.0")),
        headers: { ...u.auth, "content-type": "application/json" },
      });
      expect(res.statusCode).toBe(201);
    }
    const create = async (body: Record<string, unknown>) => {
      const res = await t.app.inject({
        method: "POST",
        url: "/npm/-/npm/v1/tokens",
        payload: { password: PASSWORD, cidr_whitelist: [], name: `t${++n}`, ...body },
        headers: u.auth,
      });
      return res.statusCode === 201 ? "created" : `${res.statusCode} ${res.json().error}`;
    };
    return create;
  }

  const refused = expect.stringMatching(/^403 A security key or passkey is required to publish/);

  it("refuses write tokens covering the mandated package, and allows read-only ones and write tokens for others", async () => {
    const create = await user("alice", ["keyed", "other"]);
    await enforce({ cohort: "projects", projects: ["keyed"] });
    expect({
      readonlyAccount: await create({ readonly: true }),
      readonlyOther: await create({ readonly: true, packages: ["other"] }),
      readonlyKeyed: await create({ readonly: true, packages: ["keyed"] }),
      writeOther: await create({ readonly: false, packages: ["other"] }),
      writeKeyed: await create({ readonly: false, packages: ["keyed"] }),
      writeAccount: await create({ readonly: false }),
    }).toEqual({
      readonlyAccount: "created",
      readonlyOther: "created",
      readonlyKeyed: "created",
      writeOther: "created",
      writeKeyed: refused,
      writeAccount: refused,
    });
  });

  it("gates an account-wide write token by the mandates covering new projects, even with no project yet", async () => {
    const create = await user("newbie", []);
    await enforce({ cohort: "all-projects" });
    expect(await create({ readonly: false })).toEqual(
      expect.stringMatching(/^403 A security key or passkey is required to publish new projects/),
    );
    expect(await create({ readonly: true })).toBe("created");
  });
});
