import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSession } from "../accounts/sessions.js";
import { registerPolicyApi } from "../api/index.js";
import { DAY } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser } from "../test-support/stats.js";
import { designateCritical } from "./manual.js";
import { simulate } from "./simulate.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);

/**
 * A population small enough to count by hand: a..j with 100, 90, ..., 10 downloads; the top 3 are
 * a (none + totp), b (key + both-with-unverified-email) and c (none, plus a frozen account).
 */
describe.each(testDatabases())("simulation (%s)", (kind) => {
  let t: TestApp;
  let admin: string;
  let regular: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    const db = t.deps.db;
    const none = await quickUser(db, NOW, { username: "none" });
    const totp = await quickUser(db, NOW, { username: "totp", mfa: "totp" });
    const key = await quickUser(db, NOW, { username: "key", mfa: "key" });
    const both = await quickUser(db, NOW, { username: "both", mfa: "both", verified: false });
    const frozen = await quickUser(db, NOW, { username: "frozen", frozen: true });
    regular = await quickUser(db, NOW, { username: "regular", mfa: "totp" });
    admin = await quickUser(db, NOW, { username: "root", admin: true, mfa: "key" });
    const people: Record<string, string[]> = {
      a: [none, totp],
      b: [key, both],
      c: [none, frozen],
      d: [regular],
    };
    const rows = [];
    for (const [i, name] of [..."abcdefghij"].entries()) {
      await quickProject(db, NOW, "pypi", name, people[name] ?? [regular]);
      rows.push({ name, day: TODAY - 1, count: 100 - 10 * i });
    }
    await importCounts(db, "pypi", rows);
  });
  afterEach(() => t.close());

  it("counts the cohort's maintainers and their readiness without changing anything", async () => {
    const r = await simulate(t.deps, { ecosystem: "pypi", topK: 3, windowDays: 30 });
    expect(r).toMatchObject({
      population: 10,
      cutoff_downloads: 80,
      cohort_size: 3,
      cohort_new: 3,
      cohort_unhosted: 0,
      maintainers: 4,
      compliant_any: 3,
      compliant_phishing_resistant: 2,
      non_compliant: 1,
      without_verified_email: 1,
      emails: { notice: 1, warn: 1, enforce: 1 },
    });
    expect(r.top_projects.map((p) => [p.name, p.downloads, p.maintainers])).toEqual([
      ["a", 100, 2],
      ["b", 90, 2],
      ["c", 80, 1],
    ]);
    const pr = await simulate(t.deps, {
      ecosystem: "pypi",
      top: 30,
      windowDays: 30,
      strength: "phishing-resistant",
      phases: ["enforce"],
    });
    expect(pr).toMatchObject({ cohort_size: 3, non_compliant: 2, emails: { enforce: 2 } });
    expect(pr.emails).not.toHaveProperty("notice");
    // Sticky: today's designations stay in the cohort even when the rule would not pick them.
    await designateCritical(t.deps, { ecosystem: "pypi", name: "j", reason: "test" });
    const sticky = await simulate(t.deps, { ecosystem: "pypi", threshold: 85, windowDays: 30 });
    expect(sticky).toMatchObject({ cohort_size: 3, cohort_new: 2, maintainers: 5 });
    expect(await t.outbox()).toHaveLength(1);
    const flagged = await t.deps.db
      .selectFrom("projects")
      .select("name")
      .where("critical_since", "is not", null)
      .execute();
    expect(flagged.map((p) => p.name)).toEqual(["j"]);
  });

  it("answers POST /api/policy/simulate for admins only", async () => {
    if (!t.app.hasRoute({ method: "POST", url: "/api/policy/simulate" })) registerPolicyApi(t.app, t.deps);
    const cookie = async (userId: string, phishingResistant = false) => {
      const proof = { method: phishingResistant ? "webauthn" : "password", phishingResistant };
      const s = await createSession(t.deps.db, NOW, { idleMs: DAY, maxMs: DAY }, userId, {}, { proof });
      return `wharf_session=${s.cookie}`;
    };
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({ method: "POST", url: "/api/policy/simulate", payload: payload as object, headers });
    const body = { ecosystem: "pypi", topK: 3, windowDays: 30 };
    expect((await post(body)).statusCode).toBe(401);
    expect((await post(body, { cookie: await cookie(regular) })).statusCode).toBe(403);
    // The console's guard: an admin's password alone (no security-key session) is not enough.
    expect((await post(body, { cookie: await cookie(admin) })).statusCode).toBe(403);
    const adminCookie = await cookie(admin, true);
    const ok = await post(body, { cookie: adminCookie });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ cohort_size: 3, maintainers: 4, compliant_any: 3 });
    const bad = await post({ ecosystem: "pypi", top: 1, topK: 3 }, { cookie: adminCookie });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("one of top, topK or threshold");
    const form = await post("ecosystem=pypi", {
      cookie: adminCookie,
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.statusCode).toBe(415);
  });
});
