import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerUser, type User } from "../accounts/index.js";
import { freezeUser } from "../admin/users.js";
import { ChangeFeed } from "../packages/index.js";
import { createTestApp, recordingDb, type TestApp, testDatabases } from "../test-support/index.js";
import { VerifiedTokens } from "./cache.js";
import { revokeUserToken } from "./service.js";
import { authenticateToken, insertToken } from "./store.js";
import { TokenUsage } from "./usage.js";

// Issue 15 item 8: verified tokens are kept briefly in memory; a revocation must still take effect at
// once here and within about a second on instances that learn of it from the change log.
describe.each(testDatabases())("verified-token cache on %s", (kind) => {
  let t: TestApp;
  let alice: User;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
  });
  afterEach(() => t.close());

  const mint = async (expiresAt: number | null = null) =>
    insertToken(t.deps.db, t.clock.now(), {
      userId: alice.id,
      name: `t${Math.random()}`,
      projectIds: null,
      expiresAt,
      issuedBy: "user",
    });
  const auth = (token: string, usage = t.deps.tokenUsage, db = t.deps.db) =>
    authenticateToken(db, usage, t.clock.now(), token);
  const refusal = (token: string) =>
    auth(token).then(
      () => "accepted",
      (e: { code: string }) => e.code,
    );

  it("answers a token verified moments ago without a query, and asks again after the TTL", async () => {
    const { token } = await mint();
    await auth(token);
    const { db, queries } = recordingDb(t.deps.db);
    await auth(token, t.deps.tokenUsage, db);
    expect(queries).toEqual([]);
    t.clock.advance(16_000);
    await auth(token, t.deps.tokenUsage, db);
    expect(queries.length).toBe(1);
  });

  it("refuses a token revoked on this instance at once", async () => {
    const { token, id } = await mint();
    await auth(token);
    await revokeUserToken(t.deps, { ip: "127.0.0.1" }, alice, id);
    expect(await refusal(token)).toBe("TOKEN_REVOKED");
  });

  it("refuses every token of an account frozen by an operator at once", async () => {
    const { token } = await mint();
    await auth(token);
    const root = { id: "op", name: "op", ip: "127.0.0.1" };
    await freezeUser(t.deps, root, "alice", "Compromised account");
    expect(await refusal(token)).toBe("TOKEN_INVALID");
  });

  it("honours the token's own expiry even inside the cache's window", async () => {
    const { token } = await mint(t.clock.now() + 5_000);
    await auth(token);
    t.clock.advance(5_000);
    expect(await refusal(token)).toBe("TOKEN_EXPIRED");
  });

  it("bounds a revocation nobody announced (a write straight to the database) by the TTL", async () => {
    const { token, id } = await mint();
    await auth(token);
    await t.deps.db
      .updateTable("api_tokens")
      .set({ revoked_at: t.clock.now() })
      .where("id", "=", id)
      .execute();
    // Still the cache's answer: this is what the change feed exists to prevent.
    expect(await refusal(token)).toBe("accepted");
    t.clock.advance(15_000);
    expect(await refusal(token)).toBe("TOKEN_REVOKED");
  });

  it("drops a token revoked by another process (no Redis: the change log) within seconds", async () => {
    const { token, id } = await mint();
    await auth(token);
    // What `wharf token revoke --leaked` or a second instance does: its own feed over the same database.
    const other = new ChangeFeed(undefined, "other:", t.deps.db);
    try {
      await t.deps.db
        .updateTable("api_tokens")
        .set({ revoked_at: t.clock.now() })
        .where("id", "=", id)
        .execute();
      await other.publishToken({ tokenId: id });
    } finally {
      other.close();
    }
    let code = "accepted";
    const started = Date.now();
    while (code === "accepted" && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 100));
      code = await refusal(token);
    }
    expect(code).toBe("TOKEN_REVOKED");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("keeps recording uses from cache hits, so last-used stays right", async () => {
    const { token, id } = await mint();
    await auth(token);
    t.clock.advance(5_000);
    const later = t.clock.now();
    await auth(token);
    await t.deps.tokenUsage.flush();
    const row = await t.deps.db
      .selectFrom("api_tokens")
      .select("last_used_at")
      .where("id", "=", id)
      .executeTakeFirst();
    expect(row?.last_used_at).toBe(later);
  });

  it("does not keep a read that raced a revocation (the generation guard)", async () => {
    const { token, id } = await mint();
    const feed = new ChangeFeed(undefined, "race:");
    const usage = new TokenUsage(t.deps.db, new VerifiedTokens(feed));
    // The read starts, the token is revoked and announced before the read is stored.
    const reading = authenticateToken(t.deps.db, usage, t.clock.now(), token);
    await feed.publishToken({ tokenId: id });
    await reading;
    expect(usage.verified?.size).toBe(0);
    feed.close();
  });

  it("is bounded: the least recently used entry goes first", () => {
    const cache = new VerifiedTokens(undefined, 10_000, 2);
    const v = (id: string) => ({
      tokenId: id,
      userId: "u",
      expiresAt: null,
      cidrs: null,
      readonly: false,
      bypass2fa: false,
      scope: "account" as const,
      projectIds: [],
      npmScopes: null,
    });
    cache.put("a", v("a"), 0, 0);
    cache.put("b", v("b"), 0, 0);
    expect(cache.get("a", 1)?.tokenId).toBe("a");
    cache.put("c", v("c"), 0, 0);
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)?.tokenId).toBe("a");
    expect(cache.get("c", 1)?.tokenId).toBe("c");
  });
});
