import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeCriticality, deliverPolicyMail, setRule } from "../criticality/index.js";
import { DAY } from "../lib/clock.js";
import { deliverOutbox } from "../notify/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, quickUser } from "../test-support/stats.js";
import { sendMandateNotices } from "./notices.js";
import { createMandate } from "./store.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);

/** Issue 13 item 6: mandate and designation mail that stays right once dates pass, and is not repeated. */
describe.each(testDatabases())("rollout mail (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
  });
  afterEach(() => t.close());
  const mails = async (subject: string) => (await t.outbox()).filter((m) => m.subject.includes(subject));

  it("says 'has been required since' when a queued notice is sent after the enforcement date", async () => {
    const mandate = { name: "2FA", strength: "any", warnAt: NOW + DAY, enforceAt: NOW + 2 * DAY };
    // Queued in the notice phase; the mail server was down until after enforcement began.
    await t.deps.db
      .insertInto("notify_outbox")
      .values({
        id: "stale-1",
        to_addr: "alice@example.com",
        template: "policy.mandateNotice",
        vars: JSON.stringify({ username: "alice", mandate, projects: ["demo"], now: NOW }),
        created_at: NOW,
        next_attempt_at: NOW,
      })
      .execute();
    t.clock.set(NOW + 3 * DAY);
    await deliverOutbox(t.deps);
    const [m] = await t.outbox();
    expect(m?.subject).toContain("Two-factor authentication is now required: 2FA");
    expect(m?.text).toContain("has been required to publish to demo since");
    expect(m?.text).not.toContain("will be required");
    expect(m?.text).not.toContain("Until then");
  });

  it("mails enforcement start once per non-compliant maintainer, across projects and mandates, never twice", async () => {
    const db = t.deps.db;
    const alice = await quickUser(db, NOW, { username: "alice" });
    const bob = await quickUser(db, NOW, { username: "bob", mfa: "totp" });
    const carol = await quickUser(db, NOW, { username: "carol", verified: false });
    await quickProject(db, NOW, "pypi", "one", [alice, bob]);
    await quickProject(db, NOW, "pypi", "two", [alice, carol]);
    await quickProject(db, NOW, "npm", "three", [alice]);
    const phases = { noticeAt: NOW - 20 * DAY, warnAt: NOW - 10 * DAY, enforceAt: NOW - DAY };
    await createMandate(db, NOW, "ops", { name: "Everyone", cohort: "all-projects", ...phases });
    await createMandate(db, NOW, "ops", {
      name: "Keys for one",
      cohort: "projects",
      projects: ["one"],
      strength: "phishing-resistant",
      ...phases,
    });
    // alice: both mandates, one mail; bob (TOTP): the key mandate; carol: unverified, not mailed.
    expect(await sendMandateNotices(t.deps)).toBe(2);
    expect(await sendMandateNotices(t.deps)).toBe(0);
    const enforced = await mails("is now required to publish");
    expect(enforced.map((m) => m.to).sort()).toEqual(["alice@example.com", "bob@example.com"]);
    const toAlice = enforced.find((m) => m.to === "alice@example.com")!;
    expect(toAlice.text).toContain('"Everyone"');
    expect(toAlice.text).toContain('"Keys for one"');
    expect(toAlice.text).toContain("one, three, two");
    // Already enforcing when created: no notice promising a future date.
    expect(await mails("will be required")).toHaveLength(0);
  });

  it("batches designation changes per person per run, across ecosystems, and does not re-mail a flapping project", async () => {
    const db = t.deps.db;
    const dana = await quickUser(db, NOW, { username: "dana" });
    const other = await quickUser(db, NOW, { username: "other" });
    for (const e of ["pypi", "npm"] as const) {
      await quickProject(db, NOW, e, `${e}-big`, [dana]);
      await quickProject(db, NOW, e, `${e}-rival`, [other]);
      await setRule(db, { ecosystem: e, mode: "top-k", value: 1, windowDays: 7, sticky: false }, NOW);
      await importCounts(db, e, [
        { name: `${e}-big`, day: TODAY, count: 100 },
        { name: `${e}-rival`, day: TODAY, count: 10 },
      ]);
    }
    await computeCriticality(t.deps);
    await deliverPolicyMail(t.deps);
    const first = await mails("critical");
    expect(first.map((m) => [m.to, m.subject])).toEqual([
      ["dana@example.com", "[Wharf] 2 of your projects are now critical projects"],
    ]);
    // Two days later the rivals overtake for a day, then fall back: no mail either way (flapping).
    const overtake = async (day: number, big: number, rival: number) => {
      t.clock.set(NOW + day * DAY);
      for (const e of ["pypi", "npm"])
        await importCounts(db, e, [
          { name: `${e}-big`, day: TODAY + day, count: big },
          { name: `${e}-rival`, day: TODAY + day, count: rival },
        ]);
      const reports = await computeCriticality(t.deps);
      await deliverPolicyMail(t.deps);
      return reports;
    };
    const flip = await overtake(2, 0, 1000);
    expect(flip.map((r) => r.removed)).toEqual([["pypi-big"], ["npm-big"], []]); // rubygems: nothing here
    const back = await overtake(3, 5000, 0);
    expect(back.map((r) => r.added)).toEqual([["pypi-big"], ["npm-big"], []]);
    // The rivals' maintainer is told once (one mail, both ecosystems) that they became critical, and
    // not that they stopped: within 30 days of that mail.
    const after = (await t.outbox()).slice(first.length);
    expect(after.map((m) => [m.to, m.subject])).toEqual([
      ["other@example.com", "[Wharf] 2 of your projects are now critical projects"],
    ]);
    // A change that lasts past the 30 days is mailed then: one mail listing both ecosystems' projects.
    await overtake(40, 0, 9000);
    const late = (await t.outbox()).slice(first.length + after.length);
    expect(late.map((m) => [m.to, m.subject])).toEqual([
      ["dana@example.com", "[Wharf] 2 of your projects are no longer critical projects"],
    ]);
    expect(late[0]!.text).toContain("pypi-big (pypi)");
    expect(late[0]!.text).toContain("npm-big (npm)");
  });
});
