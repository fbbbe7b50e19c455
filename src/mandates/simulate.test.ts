import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSession } from "../accounts/sessions.js";
import { registerPolicyApi } from "../api/index.js";
import { computeCriticality, designateCritical, setRule } from "../criticality/index.js";
import { DAY } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser } from "../test-support/stats.js";
import { remindAfterUpload, sendMandateNotices } from "./notices.js";
import { draftInput, simulate } from "./simulate.js";
import { createMandate, type MandateInput } from "./store.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);

/**
 * A population small enough to count by hand: a..j with 100, 90, ..., 10 downloads; the top 3 are
 * a (none + totp), b (key + both-with-unverified-email) and c (none, plus a frozen account); ghost
 * (no factor, unverified email) maintains e.
 */
describe.each(testDatabases())("simulation (%s)", (kind) => {
  let t: TestApp;
  let admin: string;
  let regular: string;
  let none: string;
  const ids = new Map<string, string>();
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    const db = t.deps.db;
    none = await quickUser(db, NOW, { username: "none" });
    const totp = await quickUser(db, NOW, { username: "totp", mfa: "totp" });
    const key = await quickUser(db, NOW, { username: "key", mfa: "key" });
    const both = await quickUser(db, NOW, { username: "both", mfa: "both", verified: false });
    const frozen = await quickUser(db, NOW, { username: "frozen", frozen: true });
    const ghost = await quickUser(db, NOW, { username: "ghost", verified: false });
    regular = await quickUser(db, NOW, { username: "regular", mfa: "totp" });
    admin = await quickUser(db, NOW, { username: "root", admin: true, mfa: "key" });
    const people: Record<string, string[]> = {
      a: [none, totp],
      b: [key, both],
      c: [none, frozen],
      d: [regular],
      e: [regular, ghost],
    };
    const rows = [];
    for (const [i, name] of [..."abcdefghij"].entries()) {
      ids.set(name, await quickProject(db, NOW, "pypi", name, people[name] ?? [regular]));
      rows.push({ name, day: TODAY - 1, count: 100 - 10 * i });
    }
    await importCounts(db, "pypi", rows);
  });
  afterEach(() => t.close());

  it("counts the cohort's maintainers and their readiness without changing anything", async () => {
    const r = await simulate(t.deps, { ecosystem: "pypi", topK: 3, windowDays: 30 });
    expect(r).toMatchObject({
      cohort: "critical",
      ecosystems: ["pypi"],
      projects: 3,
      maintainers: 4,
      compliant_any: 3,
      compliant_phishing_resistant: 2,
      non_compliant: 1,
      without_verified_email: 0,
      emails: { notice: 1, warn: 0, enforce: 1 },
    });
    expect(r.criticality[0]).toMatchObject({
      population: 10,
      cutoff_downloads: 80,
      cohort_size: 3,
      cohort_new: 3,
      cohort_unhosted: 0,
    });
    expect(r.criticality[0]!.top_projects.map((p) => [p.name, p.downloads, p.maintainers])).toEqual([
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
    expect(pr).toMatchObject({ projects: 3, non_compliant: 2, emails: { enforce: 2 } });
    expect(pr.emails).not.toHaveProperty("notice");
    // Sticky: today's designations stay in the cohort even when the rule would not pick them.
    await designateCritical(t.deps, { ecosystem: "pypi", name: "j", reason: "test" });
    const sticky = await simulate(t.deps, { ecosystem: "pypi", threshold: 85, windowDays: 30 });
    expect(sticky.criticality[0]).toMatchObject({ cohort_size: 3, cohort_new: 2 });
    expect(sticky.maintainers).toBe(5);
    expect(await t.outbox()).toHaveLength(1);
    const flagged = await t.deps.db
      .selectFrom("projects")
      .select("name")
      .where("critical_since", "is not", null)
      .execute();
    expect(flagged.map((p) => p.name)).toEqual(["j"]);
  });

  it("shows kept designations' real downloads and, from a sticky rule, which designations a switch would end", async () => {
    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "top-k", value: 3, windowDays: 30, sticky: true },
      NOW,
    );
    await computeCriticality(t.deps, { ecosystem: "pypi" });
    await designateCritical(t.deps, { ecosystem: "pypi", name: "h", reason: "build tooling" });
    // The current (sticky) rule, narrowed to the top 1: b and c are kept, with their downloads, not 0.
    const kept = await simulate(t.deps, { ecosystem: "pypi", topK: 1 });
    expect(kept.criticality[0]!.top_projects.map((p) => [p.name, p.downloads])).toEqual([
      ["a", 100],
      ["b", 90],
      ["c", 80],
      ["h", 30],
    ]);
    expect(kept.criticality[0]!.removed).toEqual([]);
    // "What if I switch to the top 1 (10%), not sticky": b and c would go; h, an admin's, stays.
    const loose = await simulate(t.deps, { ecosystem: "pypi", top: 10, sticky: false });
    expect(loose.criticality[0]!.removed).toEqual([
      { name: "b", downloads: 90 },
      { name: "c", downloads: 80 },
    ]);
    expect(loose.criticality[0]!.cohort_size).toBe(2);
  });

  it("simulates any cohort over any set of ecosystems, unverified addresses apart", async () => {
    const npmOnly = await quickUser(t.deps.db, NOW, { username: "npmonly" });
    await quickProject(t.deps.db, NOW, "npm", "left-pad", [npmOnly, none]);
    const all = await simulate(t.deps, { cohort: "all-projects" });
    expect(all).toMatchObject({ ecosystems: ["pypi", "npm", "rubygems"], projects: 11, maintainers: 7 });
    // none, npmonly and ghost must act; ghost has no verified email: counted apart, not mailed.
    expect(all).toMatchObject({ non_compliant: 3, without_verified_email: 1 });
    expect(all.mail.notice).toEqual({ reachable: 2, unreachable: 1 });
    const pypi = await simulate(t.deps, { cohort: "all-projects", ecosystems: ["pypi"] });
    expect(pypi).toMatchObject({ projects: 10, maintainers: 6, non_compliant: 2, emails: { notice: 1 } });
    const listed = await simulate(t.deps, { cohort: "projects", projects: ["D", "left-pad"] });
    expect(listed).toMatchObject({ projects: 2, maintainers: 3, non_compliant: 2 });
    const everyone = await simulate(t.deps, { cohort: "all-users", strength: "phishing-resistant" });
    // Every active account (none, totp, key, both, ghost, regular, root, npmonly); without a key: none,
    // totp, ghost, regular and npmonly.
    expect(everyone).toMatchObject({
      projects: 0,
      maintainers: 8,
      non_compliant: 5,
      without_verified_email: 1,
    });
    const above = await simulate(t.deps, { cohort: "threshold", minDownloads: 75, cohortWindowDays: 30 });
    expect(above).toMatchObject({ projects: 3, maintainers: 4 });
    expect(above.criticality).toEqual([]);
  });

  it("counts gems: critical by their imported downloads, and a set of two ecosystems leaves the third out", async () => {
    const db = t.deps.db;
    const gemmer = await quickUser(db, NOW, { username: "gemmer" });
    const npmOnly = await quickUser(db, NOW, { username: "npmonly" });
    await quickProject(db, NOW, "npm", "left-pad", [npmOnly]);
    ids.set("rails", await quickProject(db, NOW, "rubygems", "rails", [gemmer, none]));
    await quickProject(db, NOW, "rubygems", "tiny-gem", [gemmer]);
    await importCounts(db, "rubygems", [
      { name: "rails", day: TODAY - 1, count: 5000 },
      { name: "tiny-gem", day: TODAY - 1, count: 3 },
      { name: "unhosted-gem", day: TODAY - 2, count: 40 },
    ]);
    const gems = await simulate(t.deps, { cohort: "critical", ecosystem: "rubygems", topK: 1 });
    expect(gems).toMatchObject({ ecosystems: ["rubygems"], projects: 1, maintainers: 2, non_compliant: 2 });
    expect(gems.criticality).toEqual([
      expect.objectContaining({
        ecosystem: "rubygems",
        population: 3,
        cohort_size: 1,
        top_projects: [expect.objectContaining({ name: "rails", downloads: 5000, maintainers: 2 })],
      }),
    ]);
    const threshold = await simulate(t.deps, {
      cohort: "threshold",
      ecosystem: "rubygems",
      minDownloads: 10,
      cohortWindowDays: 30,
    });
    expect(threshold).toMatchObject({ projects: 1, maintainers: 2 });
    // pypi and rubygems: a..j's six maintainers plus gemmer, not npmonly (left-pad is npm).
    const two = await simulate(t.deps, { cohort: "all-projects", ecosystems: ["pypi", "rubygems"] });
    expect(two).toMatchObject({ ecosystems: ["pypi", "rubygems"], projects: 12, maintainers: 7 });
    const every = await simulate(t.deps, { cohort: "all-projects" });
    expect(every).toMatchObject({ projects: 13, maintainers: 8 });
  });

  it("forecasts exactly the mail the phases then send: notice, warn after uploads, enforcement start", async () => {
    const mandate = {
      name: "Keys for PyPI",
      ecosystem: "pypi",
      cohort: "all-projects",
      strength: "phishing-resistant",
      noticeAt: NOW,
      warnAt: NOW + 10 * DAY,
      enforceAt: NOW + 31 * DAY,
    } satisfies MandateInput;
    // Uploads by `none` over the last 21 days (the warn phase's length): 20, 15 and 2 days ago.
    const release = newId(NOW);
    await t.deps.db
      .insertInto("releases")
      .values({
        id: release,
        project_id: ids.get("a")!,
        version: "1.0",
        canonical_version: "1.0",
        created_at: NOW,
        yanked_at: null,
        yanked_reason: null,
        requires_python: null,
        summary: null,
        description: null,
        description_content_type: null,
        description_render: null,
        description_html: null,
        description_renderer: null,
        metadata: "{}",
      })
      .execute();
    const ago = [20, 15, 2];
    for (const [i, days] of ago.entries())
      await t.deps.db
        .insertInto("files")
        .values({
          id: newId(NOW),
          project_id: ids.get("a")!,
          release_id: release,
          filename: `a-1.0-${i}.tar.gz`,
          packagetype: "sdist",
          python_version: "source",
          requires_python: null,
          size: 1,
          sha256: `${i}`,
          blake2b_256: `${i}`,
          md5: `${i}`,
          blob_key: `k${i}`,
          metadata_sha256: null,
          metadata_blob_key: null,
          uploaded_at: NOW - days * DAY,
          uploaded_by: none,
        })
        .execute();
    const forecast = await simulate(
      t.deps,
      draftInput({ ...mandate, threshold: null, projects: [], windowDays: 180 }),
    );
    // Must act: none, totp, regular (mailed) and ghost (unverified: not mailed).
    expect(forecast.mail.notice).toEqual({ reachable: 3, unreachable: 1 });
    expect(forecast.mail.enforce).toEqual({ reachable: 3, unreachable: 1 });
    expect(forecast.mail.warn).toMatchObject({ estimate: 2, uploaders: 1, days: 21 });

    const m = await createMandate(t.deps.db, NOW, "ops", mandate);
    const sent = async (subject: string) => (await t.outbox()).filter((x) => x.subject.includes(subject));
    expect(await sendMandateNotices(t.deps)).toBe(forecast.mail.notice!.reachable);
    expect(await sendMandateNotices(t.deps)).toBe(0);
    expect((await sent("will be required")).map((x) => x.to).sort()).toEqual([
      "none@example.com",
      "regular@example.com",
      "totp@example.com",
    ]);
    // The warn phase replays the same uploads (shifted into it): the sender's 14-day rule gives 2.
    for (const days of ago) {
      t.clock.set(NOW + 31 * DAY - days * DAY);
      await remindAfterUpload(t.deps, { id: none, email: "none@example.com", username: "none" }, [m.id], "a");
    }
    expect(await sent("Your upload to a worked")).toHaveLength(forecast.mail.warn!.estimate);
    t.clock.set(NOW + 31 * DAY);
    expect(await sendMandateNotices(t.deps)).toBe(forecast.mail.enforce!.reachable);
    expect(await sendMandateNotices(t.deps)).toBe(0);
    expect(await sent("is now required to publish")).toHaveLength(3);
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
    expect(ok.json()).toMatchObject({ projects: 3, maintainers: 4, compliant_any: 3 });
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
