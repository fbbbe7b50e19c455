import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerUser, type User } from "../accounts/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { authenticateToken } from "../tokens/index.js";
import { insertToken } from "../tokens/store.js";
import { tokenRevokeLeaked } from "./token.js";

// `wharf token revoke --leaked`: the operator's way to the same revocation as GitHub's reports, from
// another process than the server (no Redis here: the running server learns of it from the change log).
describe.each(testDatabases())("wharf token revoke --leaked on %s", (kind) => {
  let t: TestApp;
  let alice: User;
  const out: string[] = [];
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    out.length = 0;
    vi.spyOn(console, "log").mockImplementation((m: string) => void out.push(m));
    vi.spyOn(console, "error").mockImplementation((m: string) => void out.push(m));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const auth = (token: string) =>
    authenticateToken(t.deps.db, t.deps.tokenUsage, t.clock.now(), token).then(
      () => "accepted",
      (e: { code: string }) => e.code,
    );

  it("revokes, audits as cli:, mails the owner, and the running server stops accepting it", async () => {
    const { token, id } = await insertToken(t.deps.db, t.clock.now(), {
      userId: alice.id,
      name: "laptop",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    expect(await auth(token)).toBe("accepted"); // cached by the server now
    const url = "https://gist.github.com/alice/0123";
    const run = () => tokenRevokeLeaked(t.deps.config, { leaked: token, url, source: "gist_content" });
    expect(await run()).toBe(0);
    expect(out.join("\n")).toContain('Revoked the token "laptop" of alice');
    let code = await auth(token);
    for (let i = 0; i < 40 && code === "accepted"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      code = await auth(token);
    }
    expect(code).toBe("TOKEN_REVOKED");
    const audit = await t.deps.db.selectFrom("admin_audit").selectAll().execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "token.revoke_leaked",
      target: "alice",
      reason: `leaked at ${url}`,
    });
    expect(audit[0]?.actor_name).toMatch(/^cli:/);
    expect(JSON.parse(audit[0]?.data ?? "{}")).toEqual({ tokenId: id, url, source: "gist_content" });
    // The audit log names the token by id, never the secret.
    expect(JSON.stringify(audit)).not.toContain(token);
    const mails = (await t.outbox()).filter((m) => m.subject.includes("found in public"));
    expect(mails.map((m) => m.to)).toEqual([expect.stringContaining("alice@example.com")]);
    // Again: nothing changes, no second mail or audit row.
    expect(await run()).toBe(0);
    expect(out.at(-1)).toContain("already revoked");
    expect(await t.deps.db.selectFrom("admin_audit").selectAll().execute()).toHaveLength(1);
  });

  it("says so and exits 1 for a string that is no token of this registry", async () => {
    const fake = `wharf_${"x".repeat(55)}`;
    expect(await tokenRevokeLeaked(t.deps.config, { leaked: fake })).toBe(1);
    expect(out.join("\n")).toContain("Not a token of this registry");
    expect(await t.deps.db.selectFrom("admin_audit").selectAll().execute()).toEqual([]);
    await expect(tokenRevokeLeaked(t.deps.config, {})).rejects.toThrow(/--leaked TOKEN is required/);
  });
});
