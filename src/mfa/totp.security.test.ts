import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "./test-helpers.js";

// NIST 800-63B §5.1.4.2 / ASVS 2.8.4: a TOTP value is accepted once; guessing is rate limited.
describe.each(testDatabases())("TOTP threats on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await t.close();
  });

  it("refuses a code replayed within its window and records the replay", async () => {
    const web = await signedUp(t, "alice");
    const { secret } = await enrollTotp(t, web);
    t.clock.advance(30_000);
    const code = codeAt(secret, t.clock.now());
    const first = await passwordStep(t, "alice");
    expect((await first.post("/account/login/two-factor?next=/account/", { code })).statusCode).toBe(303);
    const second = await passwordStep(t, "alice", "127.0.0.3");
    const replay = await second.post("/account/login/two-factor?next=/account/", { code });
    expect(replay.statusCode).toBe(400);
    expect(textOf(replay.body, "code-error")).toContain("already used");
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "mfa.totp_replay")
      .execute();
    expect(events).toHaveLength(1);
    // An older step than the last accepted one is a replay too.
    const older = await second.post("/account/login/two-factor?next=/account/", {
      code: codeAt(secret, t.clock.now() - 30_000),
    });
    expect(textOf(older.body, "code-error")).toContain("already used");
  });

  it("accepts ±1 step, hints at the clock for ±2..10 steps, and refuses beyond", async () => {
    const web = await signedUp(t, "alice");
    const { secret } = await enrollTotp(t, web);
    t.clock.advance(10 * 30_000);
    const step = await passwordStep(t, "alice");
    const far = await step.post("/account/login/two-factor", {
      code: codeAt(secret, t.clock.now() + 5 * 30_000),
    });
    expect(textOf(far.body, "code-error")).toContain("clock may be out of sync");
    const farther = await step.post("/account/login/two-factor", {
      code: codeAt(secret, t.clock.now() - 11 * 30_000),
    });
    expect(textOf(farther.body, "code-error")).toBe("That code is not correct.");
    const near = await step.post("/account/login/two-factor", {
      code: codeAt(secret, t.clock.now() + 30_000),
    });
    expect(near.statusCode).toBe(303);
  });

  it("trips the per-user limit at 5 failures in 5 minutes with 429 + Retry-After, and recovers", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const web = await signedUp(t, "alice");
    const { secret } = await enrollTotp(t, web);
    const step = await passwordStep(t, "alice");
    for (let i = 0; i < 5; i++)
      expect((await step.post("/account/login/two-factor", { code: "000000" })).statusCode).toBe(400);
    const blocked = await step.post("/account/login/two-factor", {
      code: codeAt(secret, t.clock.now() + 30_000),
    });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(blocked.body).toContain("Too many attempts");
    const burst = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "mfa.failures_burst")
      .execute();
    expect(burst.length).toBeGreaterThanOrEqual(1);
    vi.setSystemTime(Date.now() + 5 * 60_000 + 1000);
    t.clock.advance(4 * 60_000);
    const again = await passwordStep(t, "alice", "127.0.0.9");
    expect(
      (await again.post("/account/login/two-factor", { code: codeAt(secret, t.clock.now()) })).statusCode,
    ).toBe(303);
  });

  it("trips the per-IP limit at 10 failures across accounts", async () => {
    const users = ["ann", "bob", "cat"];
    for (const u of users) await enrollTotp(t, await signedUp(t, u));
    let status = 0;
    let failures = 0;
    for (const u of users) {
      const step = await passwordStep(t, u, "10.0.0.66");
      for (let i = 0; i < 4 && status !== 429; i++) {
        status = (await step.post("/account/login/two-factor", { code: "000000" })).statusCode;
        if (status === 400) failures++;
      }
    }
    expect(failures).toBe(10);
    expect(status).toBe(429);
  });
});
