import { afterEach, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import type { App } from "../app.js";
import { parseInlineKeys } from "../secret-scanning/index.js";
import { scannerKey, signedReport } from "../secret-scanning/test-helpers.js";
import { createTwoInstances, missing, type TwoInstances } from "../test-support/index.js";
import { insertToken } from "./store.js";

// Issue 15 item 8: each instance keeps verified tokens for a few seconds; a token revoked on one
// instance (here: reported leaked to it) must stop working on the other within about a second — over
// Redis pub/sub when configured, else through the database's change log.
const github = scannerKey();

describe.each([
  ["Redis", true],
  ["the change log (no Redis)", false],
] as const)("token revocation across instances through %s", (_name, redis) => {
  const needs = redis ? (["postgres", "redis"] as const) : (["postgres"] as const);
  let instances: TwoInstances | undefined;
  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it.skipIf(missing("token revocation across instances", ...needs))(
    "a token cached by B is refused by B soon after A revokes it",
    async () => {
      instances = await createTwoInstances({
        redis,
        config: { secretScanning: { keys: parseInlineKeys(github.pem) } },
      });
      const { a, b } = instances;
      const user = await registerUser(
        a.deps,
        { ip: "127.0.0.1" },
        { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      const { token } = await insertToken(a.deps.db, Date.now(), {
        userId: user.id,
        name: "ci",
        projectIds: null,
        expiresAt: null,
        issuedBy: "user",
      });
      const whoami = (app: App) =>
        app.app.inject({ url: "/npm/-/whoami", headers: { authorization: `Bearer ${token}` } });
      expect((await whoami(b)).statusCode).toBe(200);
      expect(b.deps.tokenUsage.verified?.size).toBe(1);
      const report = signedReport(github, [
        { token, type: "wharf_api_token", url: "https://x.test/", source: "content" },
      ]);
      const res = await a.app.inject({ method: "POST", url: "/api/secret-scanning/github", ...report });
      expect(res.json()[0].label).toBe("true_positive");
      const started = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - started < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await whoami(b)).statusCode;
      }
      expect(status).toBeGreaterThanOrEqual(401);
      // Well inside the cache's 15 s: the message, not the TTL, ended it.
      expect(Date.now() - started).toBeLessThan(redis ? 1_000 : 3_000);
    },
  );
});
