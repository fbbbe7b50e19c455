import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../config.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "../mfa/test-helpers.js";
import {
  createTestApp,
  type DbKind,
  FormClient,
  requirement,
  type TestApp,
  testDatabases,
} from "../test-support/index.js";

// Issue 11, item 6: limits that were checked before a guess and raised only after it failed let a
// parallel burst through (256 passwords against a limit of 10; 123 TOTP codes against 5). Each burst
// here is sent at once; the number of guesses the server actually checked must stay within the limit,
// in process (SQLite, PostgreSQL) and in Redis, where several instances share one count.
interface Backend {
  label: string;
  db: DbKind;
  redis: boolean;
}
const backends: Backend[] = [
  ...testDatabases().map((db) => ({ label: `${db}, in-process limits`, db, redis: false })),
  ...(requirement("redis").available
    ? [{ label: "sqlite, Redis limits", db: "sqlite" as const, redis: true }]
    : []),
];

describe.each(backends)("parallel guessing bursts ($label)", ({ db, redis }) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    if (t?.deps.redis) {
      // Leave nothing behind in the shared Redis: the prefix is unique to this app.
      const keys = await t.deps.redis.keys(`${t.deps.config.redisPrefix}*`);
      if (keys.length) await t.deps.redis.del(...keys);
    }
    await t?.close();
    t = undefined;
  });

  const start = async () => {
    const overrides: Partial<Config> = redis
      ? {
          redisUrl: process.env.WHARF_TEST_REDIS_URL,
          redisPrefix: `wharf-rl-test-${process.pid}-${randomBytes(4).toString("hex")}:`,
        }
      : {};
    t = await createTestApp(db, overrides);
    // Limits fail closed (503) until Redis is connected; a burst sent before that measures nothing.
    await t.deps.redis?.ping();
    return t;
  };

  const npmLogin = (app: TestApp, name: string, password: string, ip: string) =>
    app.app.inject({
      method: "PUT",
      url: `/npm/-/user/org.couchdb.user:${name}`,
      payload: { name, password },
      remoteAddress: ip,
    });

  it("checks at most 10 of 300 simultaneous wrong passwords for one account (from 300 addresses)", async () => {
    const app = await start();
    await signedUp(app, "alice");
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        npmLogin(app, "alice", `wrong-${i}`, `10.1.${i >> 8}.${i & 255}`),
      ),
    );
    const checked = answers.filter((r) => r.statusCode !== 429);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(10);
    expect(checked.every((r) => r.statusCode === 401)).toBe(true);
    expect(answers.find((r) => r.statusCode === 429)?.json().error).toContain("Too many attempts");
  });

  it("checks at most 10 of 300 simultaneous wrong passwords from one address across accounts", async () => {
    const app = await start();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => npmLogin(app, `ghost${i}`, "wrong password", "10.2.0.1")),
    );
    const checked = answers.filter((r) => r.statusCode !== 429);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(10);
  });

  it("gives the point back for a right password, so the owner signing in often is never locked out", async () => {
    const app = await start();
    await signedUp(app, "alice");
    for (let i = 0; i < 15; i++) {
      const web = new FormClient(app.app, "10.3.0.1");
      await web.get("/account/login");
      const res = await web.post("/account/login", { username: "alice", password: "correct horse battery" });
      expect(res.statusCode).toBe(303);
    }
  });

  it("checks at most 5 of 100 simultaneous wrong TOTP codes, and tells the owner once", async () => {
    const app = await start();
    const { secret } = await enrollTotp(app, await signedUp(app, "alice"));
    const step = await passwordStep(app, "alice");
    const near = new Set([-1, 0, 1].map((s) => codeAt(secret, app.clock.now() + s * 30_000)));
    const wrong = ["000000", "111111", "222222"].find((c) => !near.has(c))!;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => step.post("/account/login/two-factor", { code: wrong })),
    );
    const checked = answers.filter((r) => r.statusCode !== 429);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(checked.every((r) => r.statusCode === 400)).toBe(true);
    const bursts = await app.deps.db
      .selectFrom("events")
      .select("id")
      .where("type", "=", "mfa.failures_burst")
      .execute();
    expect(bursts).toHaveLength(1);
  });

  it("checks at most 5 of 100 simultaneous wrong npm --otp codes", async () => {
    const app = await start();
    const { secret } = await enrollTotp(app, await signedUp(app, "alice"));
    const near = new Set([-1, 0, 1].map((s) => codeAt(secret, app.clock.now() + s * 30_000)));
    const wrong = ["000000", "111111", "222222"].find((c) => !near.has(c))!;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        app.app.inject({
          method: "PUT",
          url: "/npm/-/user/org.couchdb.user:alice",
          payload: { name: "alice", password: "correct horse battery" },
          headers: { "npm-otp": wrong },
          remoteAddress: `10.4.0.${i}`,
        }),
      ),
    );
    const guessed = answers.filter((r) => r.statusCode !== 429);
    expect(guessed.length).toBeGreaterThan(0);
    expect(guessed.length).toBeLessThanOrEqual(5);
  });
});
