import pino from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../db/index.js";
import { DAY, HOUR } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { quickProject, quickUser } from "../test-support/stats.js";
import { recoveryBacklog, registerOperatorMetrics } from "./metrics.js";

const NOW = Date.UTC(2026, 10, 20, 12);

describe.each(testDatabases())("operator metrics on /metrics (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
  });
  afterEach(() => t.close());

  const scrape = async () => (await t.app.inject("/metrics")).body;
  const value = (text: string, series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const recovery = async (state: string, ageMs: number) => {
    const user = await quickUser(t.deps.db, NOW, { username: `r${newId(NOW).slice(-8)}` });
    await t.deps.db
      .insertInto("recovery_requests")
      .values({
        id: newId(NOW),
        user_id: user,
        state,
        email: "x@example.com",
        created_at: NOW - ageMs,
        submitted_at: null,
        wait_until: null,
        proofs: "[]",
        critical: 0,
        approved_by: null,
        decided_at: null,
        decided_by: null,
        decision_reason: null,
        requester_ip: "127.0.0.1",
        requester_ua: "test",
      })
      .execute();
  };

  it("reports users by second-factor strength and critical maintainers' compliance", async () => {
    const none = await quickUser(t.deps.db, NOW, { username: "none" });
    const totp = await quickUser(t.deps.db, NOW, { username: "totp", mfa: "totp" });
    const key = await quickUser(t.deps.db, NOW, { username: "key", mfa: "key" });
    await quickUser(t.deps.db, NOW, { username: "both", mfa: "both" });
    await quickUser(t.deps.db, NOW, { username: "frozen", mfa: "totp", frozen: true });
    const p = await quickProject(t.deps.db, NOW, "pypi", "crit", [none, totp, key]);
    await t.deps.db.updateTable("projects").set({ critical_since: NOW }).where("id", "=", p).execute();

    const text = await scrape();
    expect(value(text, 'wharf_users_mfa{strength="none"}')).toBe(1);
    expect(value(text, 'wharf_users_mfa{strength="totp"}')).toBe(1);
    expect(value(text, 'wharf_users_mfa{strength="phishing_resistant"}')).toBe(2);
    expect(value(text, "wharf_critical_maintainers")).toBe(3);
    expect(value(text, "wharf_critical_maintainers_compliant_ratio")).toBeCloseTo(1 / 3);
    expect(text).toContain("# TYPE wharf_users_mfa gauge");
  });

  it("counts a registry without critical projects as compliant, and no open recovery as age 0", async () => {
    const text = await scrape();
    expect(value(text, "wharf_critical_maintainers")).toBe(0);
    expect(value(text, "wharf_critical_maintainers_compliant_ratio")).toBe(1);
    expect(value(text, "wharf_recovery_oldest_open_age_seconds")).toBe(0);
    for (const s of ["proofs", "waiting", "queued"])
      expect(value(text, `wharf_recovery_requests_open{state="${s}"}`)).toBe(0);
  });

  it("reports open recovery requests by state and the oldest one's age, closed ones left out", async () => {
    await recovery("proofs", 2 * HOUR);
    await recovery("waiting", 3 * DAY);
    await recovery("waiting", 10 * DAY);
    await recovery("queued", 40 * DAY);
    await recovery("completed", 90 * DAY);
    await recovery("denied", 60 * DAY);
    const text = await scrape();
    expect(value(text, 'wharf_recovery_requests_open{state="proofs"}')).toBe(1);
    expect(value(text, 'wharf_recovery_requests_open{state="waiting"}')).toBe(2);
    expect(value(text, 'wharf_recovery_requests_open{state="queued"}')).toBe(1);
    expect(value(text, "wharf_recovery_oldest_open_age_seconds")).toBe((40 * DAY) / 1000);
    const backlog = await recoveryBacklog(t.deps.db, NOW);
    expect(backlog.ages).toEqual([
      { label: "< 1 day", count: 1 },
      { label: "1–7 days", count: 1 },
      { label: "7–14 days", count: 1 },
      { label: "14–30 days", count: 0 },
      { label: "> 30 days", count: 1 },
    ]);
    expect(backlog.total).toBe(4);
    expect(backlog.oldestCreatedAt).toBe(NOW - 40 * DAY);
  });

  it("computes once per 15 seconds however often it is scraped, then picks up changes", async () => {
    await quickUser(t.deps.db, NOW, { username: "alice" });
    expect(value(await scrape(), 'wharf_users_mfa{strength="none"}')).toBe(1);
    await quickUser(t.deps.db, NOW, { username: "bob" });
    t.clock.advance(10_000);
    expect(value(await scrape(), 'wharf_users_mfa{strength="none"}')).toBe(1);
    t.clock.advance(6_000);
    expect(value(await scrape(), 'wharf_users_mfa{strength="none"}')).toBe(2);
  });

  it("shows a failed computation as missing series and NaN, not as zeros, and keeps the scrape working", async () => {
    const broken = openDatabase("sqlite::memory:");
    await broken.close();
    const registry = new Registry();
    const logged: string[] = [];
    const log = pino({ level: "error" }, { write: (l: string) => void logged.push(l) });
    registerOperatorMetrics(registry, { db: broken.db, clock: t.clock, log });
    const text = await registry.metrics();
    expect(text).not.toMatch(/wharf_users_mfa\{/);
    expect(text).not.toMatch(/wharf_recovery_requests_open\{/);
    expect(text).toMatch(/wharf_critical_maintainers_compliant_ratio nan/i);
    expect(text).toMatch(/wharf_recovery_oldest_open_age_seconds nan/i);
    expect(logged.join("")).toContain("operator metrics could not be computed");
  });
});
