import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { authenticateToken, issueAdminToken } from "./index.js";

// `wharf token create` names its tokens after the second they were issued; names are unique per user,
// so a script issuing several within one second (CI set-up) must still get every one.
describe.each(testDatabases())("operator-issued tokens on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
  });
  afterEach(async () => {
    await t.close();
  });

  it("issues three within the same second under three names, each one working", async () => {
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await issueAdminToken(t.deps, "alice", [], null));
    const names = (await t.deps.db.selectFrom("api_tokens").select("name").orderBy("name").execute()).map(
      (r) => r.name,
    );
    const base = `admin-issued ${new Date(t.clock.now()).toISOString().slice(0, 19)}Z`;
    expect(names).toEqual([base, `${base} (2)`, `${base} (3)`]);
    for (const token of tokens) await authenticateToken(t.deps.db, t.deps.tokenUsage, t.clock.now(), token);
  });
});
