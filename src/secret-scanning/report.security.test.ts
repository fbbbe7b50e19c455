import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registerUser, type User } from "../accounts/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { insertToken } from "../tokens/store.js";
import { type KeyServer, type ScannerKey, scannerKey, signedReport, startKeyServer } from "./test-helpers.js";

// Issue 16 item 7: GitHub's secret scanning partner program reports every wharf_… string it finds in
// public. A real token is revoked, its leak recorded and its owner mailed; a forged or malformed report
// revokes nothing; the answer says true/false positive and nothing else.
const URL = "/api/secret-scanning/github";
const LEAK = "https://github.com/acme/widget/blob/0123456789abcdef/.env";

describe.each(testDatabases())("leaked-token reports on %s", (kind) => {
  let github: ScannerKey;
  let keys: KeyServer;
  let t: TestApp;
  let alice: User;
  beforeAll(async () => {
    github = scannerKey();
    keys = await startKeyServer([scannerKey(), github]);
  });
  afterAll(() => keys.close());
  beforeEach(async () => {
    t = await createTestApp(kind, { secretScanning: { keysUrl: keys.url, keys: [] } });
    alice = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
  });
  afterEach(() => t.close());

  const mint = async (name = "ci") =>
    insertToken(t.deps.db, t.clock.now(), {
      userId: alice.id,
      name,
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
  const whoami = (token: string) =>
    t.app.inject({ url: "/npm/-/whoami", headers: { authorization: `Bearer ${token}` } });
  const post = (r: { payload: string; headers: Record<string, string> }) =>
    t.app.inject({
      method: "POST",
      url: URL,
      payload: r.payload,
      headers: r.headers,
      remoteAddress: "140.82.115.1",
    });
  const revoked = async () =>
    (
      await t.deps.db.selectFrom("api_tokens").select("name").where("revoked_at", "is not", null).execute()
    ).map((r) => r.name);
  const leakEvents = () =>
    t.deps.db.selectFrom("events").select(["user_id", "data"]).where("type", "=", "token.leaked").execute();
  const leakMails = async () => (await t.outbox()).filter((m) => m.subject.includes("found in public"));
  const unknownToken = `wharf_${"A".repeat(12)}${"B".repeat(43)}`;

  it("revokes a real token, records where it leaked, mails the owner, and answers per match", async () => {
    const { token } = await mint("ci");
    const old = await mint("old");
    // Revoked by its owner earlier: still a real token (true positive), but nothing new happens to it.
    await t.deps.db
      .updateTable("api_tokens")
      .set({ revoked_at: t.clock.now() })
      .where("id", "=", old.id)
      .execute();
    expect((await whoami(token)).statusCode).toBe(200); // verified, and now in the token cache
    const res = await post(
      signedReport(github, [
        { token, type: "wharf_api_token", url: LEAK, source: "content" },
        { token: unknownToken, type: "wharf_api_token", url: LEAK, source: "commit" },
        { token: "wharf_not-even-the-format", type: "wharf_api_token", url: "", source: "npm" },
        { token: old.token, type: "wharf_api_token", url: LEAK, source: "content" },
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { token_raw: token, token_type: "wharf_api_token", label: "true_positive" },
      { token_raw: unknownToken, token_type: "wharf_api_token", label: "false_positive" },
      { token_raw: "wharf_not-even-the-format", token_type: "wharf_api_token", label: "false_positive" },
      { token_raw: old.token, token_type: "wharf_api_token", label: "true_positive" },
    ]);
    // Refused at once, although this instance had it cached a moment ago.
    const after = await whoami(token);
    expect(after.statusCode).toBeGreaterThanOrEqual(401);
    expect(after.json().error).toContain("revoked");
    expect((await revoked()).sort()).toEqual(["ci", "old"]);
    const events = await leakEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.user_id).toBe(alice.id);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ name: "ci", url: LEAK, source: "content" });
    const mails = await leakMails();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toContain("alice@example.com");
    expect(mails[0]!.text).toContain(LEAK);
    // The answer names no owner, no token name, no "already revoked".
    expect(res.body).not.toMatch(/alice|"ci"|revoked/);
  });

  it("treats a replayed report as harmless: same verdicts, no second event or mail", async () => {
    const { token } = await mint();
    const report = signedReport(github, [{ token, type: "wharf_api_token", url: LEAK, source: "content" }]);
    const first = await post(report);
    const second = await post(report);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(await leakEvents()).toHaveLength(1);
    expect(await leakMails()).toHaveLength(1);
  });

  it("refuses a forged signature, a tampered body and an unknown key id, revoking nothing", async () => {
    const { token } = await mint();
    const matches = [{ token, type: "wharf_api_token", url: LEAK, source: "content" }];
    const attacker = scannerKey();
    // Signed by someone else's key, presented under GitHub's key id.
    const forged = await post(signedReport(attacker, matches, { keyId: github.id }));
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe("SIGNATURE_INVALID");
    const genuine = signedReport(github, matches);
    const tampered = await post({ ...genuine, payload: genuine.payload.replace(LEAK, "https://x.test/") });
    expect(tampered.statusCode).toBe(401);
    // A key id nobody published: the list is fetched again once, then the report is refused.
    const before = keys.requests;
    const unknown = await post(signedReport(attacker, matches));
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe("KEY_UNKNOWN");
    // A flood of unknown ids does not hammer the key server: at most one fetch a minute.
    for (let i = 0; i < 5; i++) expect((await post(signedReport(attacker, matches))).statusCode).toBe(401);
    expect(keys.requests - before).toBeLessThanOrEqual(1);
    const unsigned = await t.app.inject({
      method: "POST",
      url: URL,
      payload: genuine.payload,
      headers: { "content-type": "application/json" },
    });
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().error.code).toBe("SIGNATURE_MISSING");
    expect(await revoked()).toEqual([]);
    expect(await leakEvents()).toEqual([]);
    expect((await whoami(token)).statusCode).toBe(200);
  });

  it("refuses an oversized or malformed report as a whole, revoking nothing", async () => {
    const { token } = await mint();
    const good = { token, type: "wharf_api_token", url: LEAK, source: "content" };
    const huge = await post(signedReport(github, [good, { token: "x", url: "y".repeat(1024 * 1024) }]));
    expect(huge.statusCode).toBe(413);
    const bad = await post(signedReport(github, [good, { token: 42 }]));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("REPORT_INVALID");
    const notJson = await post(signedReport(github, `[{"token": "${token}"`));
    expect(notJson.statusCode).toBe(400);
    expect(await revoked()).toEqual([]);
  });

  it("uses the cached key list: one fetch for many reports", async () => {
    const before = keys.requests;
    for (let i = 0; i < 3; i++) expect((await post(signedReport(github, []))).statusCode).toBe(200);
    expect(keys.requests - before).toBeLessThanOrEqual(1);
  });

  it("rate-limits reports per address before reading them", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 125; i++)
      codes.push(
        (
          await t.app.inject({
            method: "POST",
            url: URL,
            payload: "[]",
            headers: { "content-type": "application/json" },
            remoteAddress: "203.0.113.9",
          })
        ).statusCode,
      );
    expect(codes.slice(0, 120).every((c) => c === 400)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });
});

describe("leaked-token reports without keys configured", () => {
  it("refuses every report: nothing to check a signature against", async () => {
    const t = await createTestApp("sqlite");
    try {
      const res = await t.app.inject({
        method: "POST",
        url: URL,
        payload: "[]",
        headers: signedReport(scannerKey(), []).headers,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe("NOT_CONFIGURED");
    } finally {
      await t.close();
    }
  });
});
