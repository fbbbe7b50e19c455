import { Secret, TOTP } from "otpauth";
import { afterAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../src/ratelimit/index.js";
import { ensureBuilt } from "../e2e/support/index.js";
import { backends, burst, printTable, record, scale, target } from "./support.js";

/**
 * Parallel guessing bursts against a real server (issue 11, MEDIUM 6). A limit that is checked first
 * and charged after the slow password or code check lets a whole burst through before the first
 * failure is counted (measured: 256 password guesses against a limit of 10, 123 TOTP guesses against
 * 5). Every answer that is not 429 is a guess the server actually evaluated.
 */
const N_PASSWORD = scale(150, 300);
const N_TOTP = scale(60, 200);
// Real servers, argon2 and hundreds of requests on a shared 2-core machine: generous, not a speed goal.
const TIMEOUT = 240_000;

afterAll(() => printTable("Parallel guessing bursts"));

describe.each(backends({ redis: true }))("guessing bursts on %s", (backend) => {
  it(
    `evaluates at most ${LIMITS.loginUser.points} of ${N_PASSWORD} parallel wrong passwords`,
    async () => {
      await ensureBuilt();
      const t = await target(backend);
      try {
        const login = `${t.server.url}/npm/-/user/org.couchdb.user:${t.user.username}`;
        const statuses = await burst(N_PASSWORD, (i) =>
          fetch(login, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: t.user.username, password: `wrong guess ${i}` }),
          }),
        );
        const evaluated = statuses.filter((s) => s !== 429).length;
        const unexpected = statuses.filter((s) => s !== 429 && s !== 401);
        const row = record({
          case: "wrong passwords (npm login)",
          backend,
          tried: N_PASSWORD,
          outcome: `${evaluated} evaluated`,
          goal: `<= ${LIMITS.loginUser.points}`,
          held: evaluated <= LIMITS.loginUser.points && unexpected.length === 0,
        });
        expect(unexpected, "every answer is 401 or 429").toEqual([]);
        expect(row.held).toBe(true);
      } finally {
        await t.stop();
      }
    },
    TIMEOUT,
  );

  it(
    `evaluates at most ${LIMITS.mfaUser5m.points} of ${N_TOTP} parallel wrong authenticator codes`,
    async () => {
      await ensureBuilt();
      const t = await target(backend);
      try {
        const auth = { authorization: `Bearer ${t.user.token}`, "content-type": "application/json" };
        const profile = `${t.server.url}/npm/-/npm/v1/user`;
        const begin = await fetch(profile, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ tfa: { password: t.user.password, mode: "auth-and-writes" } }),
        });
        const { tfa: uri } = (await begin.json()) as { tfa: string };
        const secret = new URL(uri).searchParams.get("secret")!;
        const app = new TOTP({ secret: Secret.fromBase32(secret) });
        const confirm = await fetch(profile, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ tfa: [app.generate()] }),
        });
        expect(confirm.status).toBe(200);

        // Codes that are wrong now and in the neighbouring time steps the server accepts.
        const valid = new Set([-1, 0, 1].map((s) => app.generate({ timestamp: Date.now() + s * 30_000 })));
        const wrong = (i: number) => {
          let n = (i * 7919 + 123456) % 1_000_000;
          while (valid.has(String(n).padStart(6, "0"))) n = (n + 1) % 1_000_000;
          return String(n).padStart(6, "0");
        };
        const login = `${t.server.url}/npm/-/user/org.couchdb.user:${t.user.username}`;
        const statuses = await burst(N_TOTP, (i) =>
          fetch(login, {
            method: "PUT",
            headers: { "content-type": "application/json", "npm-otp": wrong(i) },
            body: JSON.stringify({ name: t.user.username, password: t.user.password }),
          }),
        );
        const evaluated = statuses.filter((s) => s !== 429).length;
        const row = record({
          case: "wrong TOTP codes (npm --otp)",
          backend,
          tried: N_TOTP,
          outcome: `${evaluated} evaluated`,
          goal: `<= ${LIMITS.mfaUser5m.points}`,
          held: evaluated <= LIMITS.mfaUser5m.points,
        });
        expect(row.held).toBe(true);
      } finally {
        await t.stop();
      }
    },
    TIMEOUT,
  );
});
