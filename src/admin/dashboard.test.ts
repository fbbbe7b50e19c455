import { render } from "preact-render-to-string";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import { createMandate } from "../mandates/index.js";
import { createTestApp, type FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import { quickProject, quickUser } from "../test-support/stats.js";
import { startOfDay } from "./adoption.js";
import { AdoptionChart, niceMax, RecoveryAgeChart } from "./pages/charts.js";
import { formatAge } from "./pages/dashboard.js";
import { signedInAdmin, totpAdmin } from "./test-helpers.js";

/** The markup of one chart figure. */
function figure(html: string, chart: string): string {
  const start = html.indexOf(`data-chart="${chart}"`);
  expect(start, `chart ${chart}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf("<figure", start), html.indexOf("</figure>", start) + 9);
}
const stat = (html: string, id: string) =>
  new RegExp(`data-stat="${id}">[^<]*<b>([^<]*)</b>`).exec(html)?.[1];
const points = (svg: string, series: "any" | "pr") => {
  const g = new RegExp(`data-series="${series}"[^>]*>([\\s\\S]*?)</g>`).exec(svg)?.[1] ?? "";
  return {
    line: /<polyline points="([^"]+)"/.exec(g)?.[1]?.split(" ") ?? [],
    dots: [...g.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]),
  };
};

describe("console charts", () => {
  const day = Date.UTC(2026, 10, 1);
  const series = [0, 1, 2].map((i) => ({
    day: day + i * DAY,
    total: 100,
    anyMfa: 20 + 10 * i,
    phishingResistant: 5 * i,
  }));

  it("draws two series on a 0–100% scale with axes, legend and a title, identically every time", () => {
    const svg = render(AdoptionChart({ id: "all", title: "All users", points: series }));
    expect(render(AdoptionChart({ id: "all", title: "All users", points: series }))).toBe(svg);
    expect(svg).toContain('data-chart="adoption-all"');
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(
      /aria-label="All users: 40.0% of 100 users with a second factor, 10.0% with a security key or passkey on 2026-11-03"/,
    );
    expect(svg).toMatch(/<title>All users: 40.0%/);
    // The plot spans x 52..620 and y 196 (0%) .. 16 (100%).
    expect(points(svg, "any").line).toEqual(["52.0,160.0", "336.0,142.0", "620.0,124.0"]);
    expect(points(svg, "pr").line).toEqual(["52.0,196.0", "336.0,187.0", "620.0,178.0"]);
    for (const label of [
      "0%",
      "50%",
      "100%",
      "2026-11-01",
      "2026-11-03",
      "Any second factor 40.0%",
      "Security key or passkey 10.0%",
    ])
      expect(svg).toContain(label);
    expect(svg).not.toMatch(/style=|<style/);
  });

  it("tells the series apart without colour: solid vs dashed line, round vs square markers, drawn in the legend", () => {
    const svg = render(AdoptionChart({ id: "all", title: "All users", points: series }));
    const group = (k: string) => new RegExp(`data-series="${k}"[^>]*>([\\s\\S]*?)</g>`).exec(svg)?.[1] ?? "";
    expect(group("any")).not.toContain("stroke-dasharray");
    expect(group("pr")).toContain('stroke-dasharray="7 4"');
    expect(group("any").match(/data-marker="circle"/g)).toHaveLength(3);
    expect(group("pr").match(/data-marker="square"/g)).toHaveLength(3);
    const legend = svg.slice(svg.indexOf('data-part="legend"'));
    expect(legend).toContain('stroke-dasharray="7 4"');
    expect(legend).toContain('data-marker="square"');
    expect(legend).toContain('data-marker="circle"');
    const bars = render(
      RecoveryAgeChart({
        buckets: ["< 1 day", "1–3 days", "3–7 days", "> 7 days"].map((label) => ({ label, count: 1 })),
      }),
    );
    // The oldest bucket is hatched, not only red.
    expect(bars.match(/fill="url\(#overdue-hatch\)"/g)).toHaveLength(1);
  });

  it("draws a single day (a fresh install) as points in the middle, without a line", () => {
    const svg = render(AdoptionChart({ id: "critical", title: "Critical", points: series.slice(0, 1) }));
    expect(points(svg, "any")).toEqual({ line: [], dots: [[336, 160]] });
    expect(svg).toContain("2026-11-01");
    const empty = render(
      AdoptionChart({
        id: "x",
        title: "Nobody",
        points: [{ day, total: 0, anyMfa: 0, phishingResistant: 0 }],
      }),
    );
    expect(empty).toContain("Nobody: nobody in this cohort yet");
    expect(empty).toContain("Nobody in this cohort yet</text>");
    expect(points(empty, "any")).toEqual({ line: [], dots: [] });
  });

  it("draws recovery ages as bars on a readable scale", () => {
    const svg = render(
      RecoveryAgeChart({
        buckets: [
          { label: "< 1 day", count: 3 },
          { label: "> 30 days", count: 1 },
        ],
      }),
    );
    expect(svg).toContain('data-chart="recovery-ages"');
    expect(svg).toContain("(4 in all)");
    const heights = [...svg.matchAll(/data-bucket="[^"]+"><rect [^>]*height="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(heights).toEqual([108, 36]);
    expect([0, 1, 3, 7, 11, 60, 101].map(niceMax)).toEqual([1, 1, 5, 10, 20, 100, 200]);
    expect([59 * 60_000, 5 * HOUR, 47 * HOUR, 9 * DAY].map(formatAge)).toEqual([
      "59 minutes",
      "5 hours",
      "47 hours",
      "9 days",
    ]);
  });
});

describe.each(testDatabases())("operator dashboard (%s)", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    ({ web } = await signedInAdmin(t));
  });
  afterEach(() => t.close());

  async function recovery(state: string, ageMs: number) {
    const now = t.clock.now();
    const user = await quickUser(t.deps.db, now, { username: `rr${newId(now).slice(-6)}` });
    await t.deps.db
      .insertInto("recovery_requests")
      .values({
        id: newId(now),
        user_id: user,
        state,
        email: "x@example.com",
        created_at: now - ageMs,
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
  }

  it("refuses an admin signed in with an authenticator app", async () => {
    const weak = await totpAdmin(t, "weakling", "10.77.0.9");
    const res = await weak.get("/admin/");
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("Security key required");
  });

  it("shows today's figures on a fresh install: stats, the table and a one-point chart per cohort", async () => {
    const now = t.clock.now();
    const a = await quickUser(t.deps.db, now, { username: "a", mfa: "totp" });
    const b = await quickUser(t.deps.db, now, { username: "b" });
    const p = await quickProject(t.deps.db, now, "pypi", "crit", [a, b]);
    await t.deps.db.updateTable("projects").set({ critical_since: now }).where("id", "=", p).execute();
    const m = await createMandate(t.deps.db, now, "root", {
      name: "Critical first",
      cohort: "critical",
      strength: "phishing-resistant",
      noticeAt: now - DAY,
      warnAt: now + DAY,
      enforceAt: now + 30 * DAY,
    });

    const res = await web.get("/admin/");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    const html = res.body;
    // The admin (with a key) and a, b.
    expect(stat(html, "users")).toBe("3");
    expect(stat(html, "any-mfa")).toBe("2");
    expect(stat(html, "phishing-resistant")).toBe("1");
    expect(stat(html, "critical-compliant")).toBe("0 of 2");
    expect(stat(html, "recovery-open")).toBe("0");
    expect(stat(html, "recovery-oldest")).toBe("—");
    expect(html).toMatch(
      /data-cohort="critical"><td>Maintainers of critical projects<\/td><td>2<\/td><td>1 <span class="muted">\(50.0%\)/,
    );
    expect(html).toMatch(
      new RegExp(`data-cohort="mandate:${m.id}"><td>Critical first <span class="state">notice</span>`),
    );
    for (const chart of ["adoption-all", "adoption-critical", `adoption-mandate-${m.id}`, "recovery-ages"]) {
      const f = figure(html, chart);
      expect(f).toMatch(/role="img"/);
      expect(f).toMatch(/<svg viewBox="0 0 640 \d+"/);
      expect(f).toMatch(/<title>/);
    }
    expect(points(figure(html, "adoption-all"), "any").dots).toHaveLength(1);
    expect(html).not.toMatch(/ style=|<style/);
  });

  it("draws the snapshot history with today's live figures as the last point", async () => {
    const today = startOfDay(t.clock.now());
    for (const [i, any] of [
      [3, 0],
      [2, 1],
      [1, 1],
      [0, 0],
    ] as const) {
      // Today's snapshot is stale by design: the page shows the live figures instead.
      await t.deps.db
        .insertInto("mfa_snapshots")
        .values({ day: today - i * DAY, cohort: "all", total: 2, any_mfa: any, phishing_resistant: 0 })
        .execute();
    }
    const svg = figure((await web.get("/admin/")).body, "adoption-all");
    const any = points(svg, "any");
    expect(any.line).toHaveLength(4);
    // 0%, 50%, 50%, then today: the admin alone, with a key (100%).
    expect(any.dots.map(([, y]) => y)).toEqual([196, 106, 106, 16]);
    expect(svg).toContain(new Date(today - 3 * DAY).toISOString().slice(0, 10));
  });

  it("shows open recoveries by state and age, and the oldest one's age", async () => {
    await recovery("proofs", 2 * HOUR);
    await recovery("waiting", 3 * DAY);
    await recovery("queued", 20 * DAY);
    await recovery("completed", 50 * DAY);
    const html = (await web.get("/admin/")).body;
    expect(stat(html, "recovery-open")).toBe("3");
    expect(stat(html, "recovery-oldest")).toBe("20 days");
    expect(html).toContain('data-state="queued">1</td>');
    const chart = figure(html, "recovery-ages");
    expect(chart).toContain(
      "&lt; 1 day: 1, 1–7 days: 1, 7–14 days: 0, 14–30 days: 1, > 30 days: 0 (3 in all)",
    );
  });
});
