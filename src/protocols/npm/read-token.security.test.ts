import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeUser } from "../../admin/users.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { revokeUserToken } from "../../tokens/service.js";
import { npmUser, publishBody } from "./test-fixtures.js";

// Reads check a presented token without loading its account (auth.ts checkReader): what a dead token
// got before — a 401 telling npm to log in again — it must still get, from a warm token cache too.
describe.each(testDatabases())("npm reads with a token on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const read = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

  it("serves a live token the anonymous bytes, and refuses it once revoked or its account is frozen", async () => {
    const alice = await npmUser(t, "alice");
    const pub = await t.app.inject({
      method: "PUT",
      url: "/npm/read-me",
      payload: await publishBody("read-me", "1.0.0"),
      headers: alice.auth,
    });
    expect(pub.statusCode, pub.body).toBe(201);
    const reader = await npmUser(t, "reader");
    const frozen = await npmUser(t, "frozen");
    for (const url of ["/npm/read-me", "/npm/read-me/1.0.0", "/npm/read-me/-/read-me-1.0.0.tgz"]) {
      const anonymous = await read(url);
      expect(anonymous.statusCode).toBe(200);
      for (const who of [reader, frozen]) {
        const authed = await read(url, who.auth);
        expect(authed.statusCode).toBe(200);
        expect(authed.rawPayload).toEqual(anonymous.rawPayload);
      }
    }

    await revokeUserToken(t.deps, { ip: "127.0.0.1" }, reader.user, reader.tokenId);
    await freezeUser(t.deps, { id: "op", name: "op", ip: "127.0.0.1" }, "frozen", "Compromised account");
    for (const who of [reader, frozen]) {
      for (const url of ["/npm/read-me", "/npm/read-me/1.0.0", "/npm/read-me/-/read-me-1.0.0.tgz"]) {
        const refused = await read(url, who.auth);
        expect(refused.statusCode, `${url}: ${refused.body}`).toBe(401);
        expect(refused.json().error).toMatch(/npm login/);
      }
    }
    expect((await read("/npm/read-me", { authorization: "Bearer wharf_not_a_real_token" })).statusCode).toBe(
      401,
    );
  });
});
