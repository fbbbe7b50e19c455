import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliverPolicyMail, designateCritical, runCriticalityJob, setRule } from "../criticality/index.js";
import { acquireLease } from "../jobs/index.js";
import { DAY, HOUR } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser, statsSnapshot } from "../test-support/stats.js";
import { rollupStats } from "./rollup.js";
import { monthOf, retentionCutoff } from "./store.js";
import { projectDownloads } from "./window.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);

describe.each(testDatabases())("bounded storage, the daily job and its mail (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
  });
  afterEach(() => t.close());

  it("folds days older than the longest window (+35 days) into months, once, without changing any window", async () => {
    const id = await quickProject(t.deps.db, NOW, "pypi", "old-timer");
    const rows: { name: string; day: number; count: number }[] = [];
    for (let d = 0; d < 400; d++) rows.push({ name: "old-timer", day: TODAY - d, count: 1 + (d % 5) });
    await importCounts(t.deps.db, "pypi", rows);
    const own = Array.from({ length: 400 }, (_, d) => ({ project_id: id, day: TODAY - d, count: 2 }));
    // Half of those days were also covered by the import (superseded); the rest are Wharf's alone.
    await t.deps.db.insertInto("download_counts").values(own).execute();
    await t.deps.db
      .deleteFrom("stats_coverage")
      .where("day", "<", TODAY - 300)
      .execute();
    const p = { id, ecosystem: "pypi", normalizedName: "old-timer" };
    const window = await projectDownloads(t.deps.db, p, 180, NOW);

    const cutoff = await retentionCutoff(t.deps.db, TODAY);
    expect(cutoff % 7).toBe(0);
    expect(TODAY - cutoff).toBeGreaterThanOrEqual(215);
    expect(TODAY - cutoff).toBeLessThan(222);
    const r = await rollupStats(t.deps);
    expect(r.foldedRows).toBe(399 - (TODAY - cutoff));
    expect(r.foldedOwnRows).toBe(399 - (TODAY - cutoff));
    expect(await projectDownloads(t.deps.db, p, 180, NOW)).toBe(window);
    const left = await statsSnapshot(t.deps.db);
    expect(Math.min(...left.map((d) => d.day))).toBe(cutoff);
    expect(
      await t.deps.db.selectFrom("download_counts").select("day").where("day", "<", cutoff).execute(),
    ).toHaveLength(0);
    // Every folded download is in a month: imported counts for every day, own ones only where uncovered.
    let expected = 0;
    for (const row of rows) if (row.day < cutoff) expected += row.count + (row.day < TODAY - 300 ? 2 : 0);
    const months = await t.deps.db.selectFrom("download_months").selectAll().execute();
    expect(months.reduce((s, m) => s + Number(m.count), 0)).toBe(expected);
    expect(Math.max(...months.map((m) => m.month))).toBe(monthOf(cutoff - 1));
    expect(await rollupStats(t.deps)).toMatchObject({ foldedRows: 0, foldedOwnRows: 0 });
    expect((await t.deps.db.selectFrom("download_months").selectAll().execute()).length).toBe(months.length);

    // A longer window in use keeps more days.
    await setRule(
      t.deps.db,
      { ecosystem: "npm", mode: "top-k", value: 3, windowDays: 365, sticky: true },
      NOW,
    );
    expect(TODAY - (await retentionCutoff(t.deps.db, TODAY))).toBeGreaterThanOrEqual(400);
  });

  it("runs the daily job on one instance a day, under a lease", async () => {
    expect(await acquireLease(t.deps.db, "criticality", "other", 15 * 60_000, NOW)).toBe(true);
    expect(await runCriticalityJob(t.deps, "me")).toEqual({ ran: false, why: "busy" });
    t.clock.advance(16 * 60_000);
    const run = await runCriticalityJob(t.deps, "me");
    expect(run.ran).toBe(true);
    expect(await runCriticalityJob(t.deps, "you")).toEqual({ ran: false, why: "not-due" });
    t.clock.advance(23 * HOUR);
    expect(await runCriticalityJob(t.deps, "you")).toEqual({ ran: false, why: "not-due" });
    t.clock.advance(HOUR);
    expect((await runCriticalityJob(t.deps, "you")).ran).toBe(true);
    // The lease is released after each run.
    expect(await acquireLease(t.deps.db, "criticality", "third", 60_000, t.clock.now())).toBe(true);
  });

  it("keeps queued mail through a mailer outage and sends each message once", async () => {
    const users = [];
    for (const name of ["ann", "ben", "cid"]) users.push(await quickUser(t.deps.db, NOW, { username: name }));
    await quickProject(t.deps.db, NOW, "pypi", "shared", users);
    let down = true;
    const flaky = {
      ...t.deps,
      mailer: {
        kind: "smtp" as const,
        send: async (m: Parameters<typeof t.deps.mailer.send>[0]) => {
          if (down) throw new Error("connection refused");
          await t.deps.mailer.send(m);
        },
        close: async () => {},
      },
    };
    // The designation commits with its three mails queued; sending fails and they stay queued.
    expect(
      await designateCritical(flaky, { ecosystem: "pypi", name: "shared", reason: "test" }),
    ).toMatchObject({
      changed: true,
      mailed: 3,
    });
    expect(await t.outbox()).toHaveLength(0);
    down = false;
    // Claimed by the failed attempt: retried only once that claim is stale (10 minutes).
    expect(await deliverPolicyMail(flaky)).toEqual({ sent: 0, failed: 0 });
    t.clock.advance(11 * 60_000);
    const [a, b] = await Promise.all([deliverPolicyMail(flaky), deliverPolicyMail(flaky)]);
    expect(a.sent + b.sent).toBe(3);
    expect((await t.outbox()).map((m) => m.to).sort()).toEqual([
      "ann@example.com",
      "ben@example.com",
      "cid@example.com",
    ]);
    expect(await t.deps.db.selectFrom("policy_mail").selectAll().execute()).toHaveLength(0);
  });
});
