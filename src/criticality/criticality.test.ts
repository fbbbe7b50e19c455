import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser } from "../test-support/stats.js";
import { computeCriticality as computeOnly, previewRun } from "./compute.js";
import { designateCritical, removeCritical } from "./manual.js";
import { deliverPolicyMail, enqueueMail, withdrawMail } from "./queue.js";
import { getRule, setRule } from "./rules.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);

describe.each(testDatabases())("criticality (%s)", (kind) => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  /** p000..p299: p000 has the most downloads (3000 over ten days), p299 the fewest (10). */
  const ids = new Map<string, string>();

  const critical = async () =>
    (
      await t.deps.db
        .selectFrom("projects")
        .select("normalized_name")
        .where("critical_since", "is not", null)
        .orderBy("normalized_name")
        .execute()
    ).map((r) => r.normalized_name);
  const events = (type: string) =>
    t.deps.db
      .selectFrom("events")
      .selectAll()
      .where("type", "=", type)
      .where("project_id", "is not", null)
      .execute();

  /** The job: compute, then send what it queued. */
  const computeCriticality = async (...args: Parameters<typeof computeOnly>) => {
    const reports = await computeOnly(...args);
    await deliverPolicyMail(t.deps);
    return reports;
  };

  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    alice = await quickUser(t.deps.db, NOW, { username: "alice", mfa: "totp" });
    bob = await quickUser(t.deps.db, NOW, { username: "bob" });
    const rows: { name: string; day: number; count: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const name = `p${String(i).padStart(3, "0")}`;
      for (let d = 0; d < 10; d++) rows.push({ name, day: TODAY - d, count: 300 - i });
      // p001 is known only from imported statistics: ranked, never designated.
      if (i !== 1 && i < 12)
        ids.set(name, await quickProject(t.deps.db, NOW, "pypi", name, i === 0 ? [alice, bob] : [alice]));
    }
    await importCounts(t.deps.db, "pypi", rows);
  });
  afterEach(() => t.close());

  it("designates the top 1%, tells each maintainer once with what to do and the deadline, and records it", async () => {
    const enforce = Date.UTC(2026, 6, 1);
    await t.deps.db
      .insertInto("mandates")
      .values({
        id: "m1",
        name: "Critical projects need 2FA",
        ecosystem: "pypi",
        cohort: "critical",
        cohort_value: null,
        window_days: 180,
        strength: "any",
        notice_at: NOW,
        warn_at: NOW + 30 * DAY,
        enforce_at: enforce,
        created_at: NOW,
        created_by: "admin",
      })
      .execute();
    const [r] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    // 300 projects have downloads: the top 1% is 3 of them; p001 is not hosted here.
    expect(r).toMatchObject({
      population: 300,
      selected: 3,
      unhosted: 1,
      cutoffDownloads: 2980,
      critical: 2,
      queued: 2,
    });
    expect(r!.added.sort()).toEqual(["p000", "p002"]);
    expect(await critical()).toEqual(["p000", "p002"]);
    const mail = await t.outbox();
    expect(mail.map((m) => m.to).sort()).toEqual(["alice@example.com", "bob@example.com"]);
    const toAlice = mail.find((m) => m.to === "alice@example.com")!;
    expect(toAlice.subject).toContain("2 of your projects are now critical projects");
    expect(toAlice.text).toContain(
      "p000 (pypi): the top 1% of projects by downloads over the last 180 days (3,000 downloads)",
    );
    expect(toAlice.text).toContain(`${t.deps.config.origin}/account/two-factor`);
    expect(toAlice.text).toContain("security key or passkey");
    expect(toAlice.text).toContain(
      "From 2026-07-01, publishing to these projects will require two-factor authentication",
    );
    const ev = await events("project.critical");
    expect(ev.map((e) => e.project_id).sort()).toEqual([ids.get("p000"), ids.get("p002")].sort());
    expect(JSON.parse(ev[0]!.data)).toMatchObject({ automatic: true });
    // Each maintainer's own history shows it too.
    const mine = await t.deps.db.selectFrom("events").select("type").where("user_id", "=", bob).execute();
    expect(mine.map((e) => e.type)).toEqual(["project.critical"]);

    const [again] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(again).toMatchObject({ added: [], removed: [], critical: 2, queued: 0 });
    expect(await t.outbox()).toHaveLength(2);
  });

  it("sends one 'now critical' mail per person per run, listing projects of every ecosystem", async () => {
    await quickProject(t.deps.db, NOW, "npm", "left-pad-ng", [alice]);
    await importCounts(t.deps.db, "npm", [{ name: "left-pad-ng", day: TODAY, count: 9000 }]);
    await setRule(
      t.deps.db,
      { ecosystem: "npm", mode: "top-k", value: 1, windowDays: 30, sticky: true },
      NOW,
    );
    const reports = await computeCriticality(t.deps);
    expect(reports.map((r) => [r.ecosystem, r.added.sort()])).toEqual([
      ["pypi", ["p000", "p002"]],
      ["npm", ["left-pad-ng"]],
      ["rubygems", []],
    ]);
    const mail = await t.outbox();
    expect(mail.map((m) => m.to).sort()).toEqual(["alice@example.com", "bob@example.com"]);
    const toAlice = mail.find((m) => m.to === "alice@example.com")!;
    expect(toAlice.subject).toContain("3 of your projects are now critical projects");
    expect(toAlice.text).toContain("p000 (pypi): the top 1% of projects by downloads");
    expect(toAlice.text).toContain("p002 (pypi):");
    expect(toAlice.text).toContain(
      "left-pad-ng (npm): the 1 most downloaded projects over the last 30 days (9,000 downloads)",
    );
    // bob maintains only p000: his mail is his own, untouched by the merge.
    const toBob = mail.find((m) => m.to === "bob@example.com")!;
    expect(toBob.subject).toContain("p000 is now a critical project");
    expect(await t.deps.db.selectFrom("policy_mail").select("id").execute()).toEqual([]);
  });

  it("does not withdraw a queued mail that a sender already claimed", async () => {
    const [id] = await enqueueMail(t.deps.db, NOW, [{ to: "a@example.com", subject: "s", text: "t" }]);
    await t.deps.db.updateTable("policy_mail").set({ claimed_at: NOW, claimed_by: "x" }).execute();
    expect(await withdrawMail(t.deps.db, id!)).toBe(false);
    await t.deps.db.updateTable("policy_mail").set({ claimed_at: null, claimed_by: null }).execute();
    expect(await withdrawMail(t.deps.db, id!)).toBe(true);
    expect(await t.deps.db.selectFrom("policy_mail").select("id").execute()).toEqual([]);
  });

  it("selects by top-k and by a download threshold", async () => {
    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "top-k", value: 5, windowDays: 30, sticky: true },
      NOW,
    );
    const [k] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(k).toMatchObject({ selected: 5, cutoffDownloads: 2960, unhosted: 1 });
    expect(await critical()).toEqual(["p000", "p002", "p003", "p004"]);
    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "threshold", value: 2900, windowDays: 30, sticky: true },
      NOW,
    );
    const [th] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(th).toMatchObject({
      selected: 11,
      cutoffDownloads: 2900,
      added: ["p005", "p006", "p007", "p008", "p009", "p010"],
    });
    // A window that holds no downloads selects nothing.
    t.clock.set(NOW + 40 * DAY);
    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "top-percent", value: 1, windowDays: 30, sticky: false },
      NOW,
    );
    const [none] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(none).toMatchObject({ population: 0, selected: 0, cutoffDownloads: null, critical: 0 });
  });

  it("keeps sticky designations when downloads fall; a non-sticky rule ends automatic ones only", async () => {
    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "top-k", value: 1, windowDays: 30, sticky: true },
      NOW,
    );
    await computeCriticality(t.deps, { ecosystem: "pypi" });
    await designateCritical(t.deps, { ecosystem: "pypi", name: "P011", reason: "core infrastructure" });
    expect(await critical()).toEqual(["p000", "p011"]);
    // p003 overtakes p000.
    await importCounts(t.deps.db, "pypi", [{ name: "p003", day: TODAY, count: 5000 }]);
    const [sticky] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(sticky).toMatchObject({ added: ["p003"], removed: [] });
    expect(await critical()).toEqual(["p000", "p003", "p011"]);

    await setRule(
      t.deps.db,
      { ecosystem: "pypi", mode: "top-k", value: 1, windowDays: 30, sticky: false },
      NOW,
    );
    // Within 30 days of the "now critical" mail, ending the designation is not mailed (flapping).
    const early = await previewRun(t.deps, await getRule(t.deps.db, "pypi"));
    expect(early.plan.remove.map((p) => p.name)).toEqual(["p000"]);
    expect(early.mails).toBe(0);
    // A month later, with p003 still on top, it is, to both maintainers.
    t.clock.advance(31 * DAY);
    await importCounts(t.deps.db, "pypi", [{ name: "p003", day: TODAY + 31, count: 5000 }]);
    const before = (await t.outbox()).length;
    const [loose] = await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(loose).toMatchObject({ added: [], removed: ["p000"] });
    expect(await critical()).toEqual(["p003", "p011"]);
    const ended = (await t.outbox()).slice(before);
    expect(ended.map((m) => m.subject).sort()).toEqual([
      "[Wharf] p000 is no longer a critical project",
      "[Wharf] p000 is no longer a critical project",
    ]);
    expect((await events("project.not_critical")).map((e) => e.project_id)).toEqual([ids.get("p000")]);
  });

  it("lets an admin designate and remove with a reason; the job respects the removal", async () => {
    const r = await designateCritical(t.deps, {
      ecosystem: "pypi",
      name: "p010",
      reason: "ships the TLS stack",
    });
    expect(r).toMatchObject({ project: "p010", changed: true, mailed: 1 });
    expect(
      (await designateCritical(t.deps, { ecosystem: "pypi", name: "p010", reason: "again" })).changed,
    ).toBe(false);
    const [mail] = await t.outbox();
    expect(mail!.text).toContain("designated by the registry's operators: ships the TLS stack");
    expect(mail!.text).toContain("No deadline has been set yet");
    const [ev] = await events("project.critical");
    expect(JSON.parse(ev!.data)).toEqual({
      project: "p010",
      manual: true,
      reason: "ships the TLS stack",
      actor: "cli",
    });

    await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(await critical()).toEqual(["p000", "p002", "p010"]);
    const removed = await removeCritical(t.deps, {
      ecosystem: "pypi",
      name: "p000",
      reason: "archived upstream",
    });
    expect(removed).toMatchObject({ changed: true, mailed: 2 });
    const [out] = await events("project.not_critical");
    expect(JSON.parse(out!.data)).toMatchObject({
      manual: true,
      reason: "archived upstream",
      excluded: true,
    });
    await computeCriticality(t.deps, { ecosystem: "pypi" });
    expect(await critical()).toEqual(["p002", "p010"]);
    // Designating again lifts the exclusion.
    await designateCritical(t.deps, { ecosystem: "pypi", name: "p000", reason: "maintained again" });
    expect(await critical()).toEqual(["p000", "p002", "p010"]);

    await expect(designateCritical(t.deps, { ecosystem: "pypi", name: "nope", reason: "x" })).rejects.toThrow(
      "No pypi project named 'nope'",
    );
    await expect(
      designateCritical(t.deps, { ecosystem: "pypi", name: "p003", reason: "  " }),
    ).rejects.toThrow(/reason/);
  });
});
