import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../src/accounts/index.js";
import { loadConfig } from "../../src/config.js";
import { LIMITS } from "../../src/ratelimit/index.js";
import { createTestApp, missing, type TestApp } from "../../src/test-support/index.js";
import { createCliToken } from "../../src/tokens/index.js";
import { ensureBuilt, runWharf } from "./support/index.js";
import { get, type Nginx, startNginx } from "./support/nginx.js";

const SUITE = "Wharf behind a real reverse proxy (nginx)";
/** The test client's own address; nginx reaches Wharf from 127.0.0.3 (support/nginx.ts). */
const CLIENT = "127.0.0.2";
const SPOOFED = "203.0.113.9";

/** A failed `npm login` (wrong password): one point of the per-IP sign-in budget. */
function npmLogin(base: string, name: string, forwardedFor: string) {
  return get(`${base}/npm/-/user/org.couchdb.user:${name}`, {
    from: CLIENT,
    method: "PUT",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ name, password: "not the password at all" }),
  });
}

describe.skipIf(missing(SUITE, "nginx"))(SUITE, () => {
  describe.each([
    ["a hop count", "1"],
    ["the proxy's address", "127.0.0.3"],
    ["a CIDR list", "10.0.0.0/8,127.0.0.3/32"],
  ])("with WHARF_TRUST_PROXY set to %s (%s)", (_label, setting) => {
    let t: TestApp;
    let nginx: Nginx;
    let direct: string;

    beforeAll(async () => {
      t = await createTestApp("sqlite", {
        trustProxy: loadConfig({ WHARF_TRUST_PROXY: setting }).trustProxy,
      });
      // What Wharf believes about the request, as every per-IP decision sees it.
      t.app.get("/test/whoami", async (req) => ({ ip: req.ip, socket: req.socket.remoteAddress }));
      await t.app.listen({ host: "127.0.0.1", port: 0 });
      direct = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      nginx = await startNginx(direct);
    });
    afterAll(async () => {
      await nginx?.stop();
      await t?.close();
    });

    it("sees the real client address, not the one the client writes in X-Forwarded-For", async () => {
      const plain = await get(`${nginx.url}/test/whoami`, { from: CLIENT });
      expect(JSON.parse(plain.body)).toEqual({ ip: CLIENT, socket: "127.0.0.3" });
      for (const xff of [SPOOFED, `${SPOOFED}, 198.51.100.7`, "unknown", "::1"]) {
        const spoofed = await get(`${nginx.url}/test/whoami`, {
          from: CLIENT,
          headers: { "x-forwarded-for": xff },
        });
        expect(JSON.parse(spoofed.body).ip, `X-Forwarded-For: ${xff}`).toBe(CLIENT);
      }
    });

    it("keeps the per-IP sign-in limit and records the real address, whatever X-Forwarded-For says", async () => {
      await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        {
          username: "victim",
          email: "victim@example.com",
          password: "correct horse battery",
          verified: true,
        },
        { viaOperator: true },
      );
      const budget = LIMITS.loginIp.points;
      const statuses: number[] = [];
      // A different spoofed address and a different account each time: only the per-IP budget can stop it.
      for (let i = 0; i < budget + 3; i++) {
        const name = i === 0 ? "victim" : `nobody${i}`;
        statuses.push((await npmLogin(nginx.url, name, `198.51.100.${i + 1}`)).status);
      }
      expect(statuses.slice(0, budget)).toEqual(Array(budget).fill(401));
      expect(statuses.slice(budget)).toEqual([429, 429, 429]);
      const failure = await t.deps.db
        .selectFrom("events")
        .select("ip")
        .where("type", "=", "login.failure")
        .executeTakeFirstOrThrow();
      expect(failure.ip).toBe(CLIENT);
    });

    it("lets an address-restricted token work only from its range, not from a claimed address", async () => {
      const owner = await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        {
          username: "ci-bot",
          email: "ci-bot@example.com",
          password: "correct horse battery",
          verified: true,
        },
        { viaOperator: true },
      );
      const token = async (cidrs: string[]) =>
        (
          await createCliToken(t.deps, { ip: "127.0.0.1" }, owner, {
            projectIds: null,
            expiresInDays: 30,
            cidrs,
            name: `ci ${cidrs.join(" ")}`,
            via: "test",
            grant: "cli-session",
          })
        ).token;
      const whoami = (bearer: string) =>
        get(`${nginx.url}/npm/-/whoami`, {
          from: CLIENT,
          headers: { authorization: `Bearer ${bearer}`, "x-forwarded-for": "198.51.100.7" },
        });
      const elsewhere = await whoami(await token(["198.51.100.0/24"]));
      expect(elsewhere.status).toBe(403);
      expect(JSON.parse(elsewhere.body).error).toContain(`not from ${CLIENT}`);
      expect((await whoami(await token([`${CLIENT}/32`]))).status).toBe(200);
    });

    it("does not serve /metrics through the proxy (the proxy's loopback connection is not a local scraper)", async () => {
      const res = await get(`${nginx.url}/metrics`, { from: CLIENT });
      expect(res.status).toBe(403);
      expect(res.body).not.toContain("wharf_critical_maintainers");
    });

    it.runIf(setting !== "1")(
      "ignores X-Forwarded-For from a client that reaches Wharf's port directly (not the listed proxy)",
      async () => {
        const res = await get(`${direct}/test/whoami`, {
          from: CLIENT,
          headers: { "x-forwarded-for": SPOOFED },
        });
        expect(JSON.parse(res.body).ip).toBe(CLIENT);
      },
    );
  });
});

describe("WHARF_TRUST_PROXY=true at start-up", () => {
  beforeAll(() => ensureBuilt(), 200_000);

  it("is refused by config check and serve with exit status 2, naming the setting", async () => {
    for (const command of [["config", "check"], ["serve"]]) {
      const r = await runWharf(command, { WHARF_TRUST_PROXY: "true", WHARF_PORT: "0" });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("WHARF_TRUST_PROXY (--trust-proxy): true would believe the client's own");
    }
  });
});
