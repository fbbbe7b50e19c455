import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import {
  createMandate,
  type Mandate,
  type MandateInput,
  policyProject,
  projectInCohort,
} from "../mandates/index.js";
import { actorStrength } from "../mfa/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { buildPopulation } from "../test-support/population.js";
import { loadPopulation, quickProject, quickUser } from "../test-support/stats.js";
import {
  adoptionSeries,
  cohortFigures,
  liveAdoption,
  runSnapshotJob,
  SNAPSHOT_LEASE,
  startOfDay,
  takeSnapshot,
} from "./adoption.js";

const NOW = Date.UTC(2026, 10, 20, 15, 30);
const TODAY = startOfDay(NOW);

describe.each(testDatabases())("MFA adoption figures (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
  });
  afterEach(() => t.close());

  const user = (username: string, mfa: "none" | "totp" | "key" | "both" = "none", frozen = false) =>
    quickUser(t.deps.db, NOW, { username, mfa, frozen });
  const mandate = (input: Partial<MandateInput>) =>
    createMandate(t.deps.db, NOW, "test", {
      name: "m",
      cohort: "all-projects",
      noticeAt: NOW,
      warnAt: NOW + DAY,
      enforceAt: NOW + 2 * DAY,
      ...input,
    });

  it("counts active users, maintainers of critical projects and each mandate's cohort", async () => {
    const none = await user("none");
    const totp = await user("totp", "totp");
    const key = await user("key", "key");
    const both = await user("both", "both");
    const frozen = await user("frozen", "key", true);
    const critical = await quickProject(t.deps.db, NOW, "pypi", "crit", [none, key, frozen]);
    await t.deps.db.updateTable("projects").set({ critical_since: NOW }).where("id", "=", critical).execute();
    await quickProject(t.deps.db, NOW, "npm", "leftpad", [totp, both]);
    const npm = await mandate({ name: "npm maintainers", ecosystem: "npm" });

    const live = await liveAdoption(t.deps);
    expect(live).toEqual([
      { cohort: "all", label: "All users", total: 4, anyMfa: 3, phishingResistant: 2 },
      {
        cohort: "critical",
        label: "Maintainers of critical projects",
        total: 2,
        anyMfa: 1,
        phishingResistant: 1,
      },
      { cohort: `mandate:${npm.id}`, label: "npm maintainers", total: 2, anyMfa: 2, phishingResistant: 1 },
    ]);
    expect(await cohortFigures(t.deps, npm, "phishing-resistant")).toEqual({
      total: 2,
      anyMfa: 2,
      phishingResistant: 1,
      projects: 1,
      nonCompliantReachable: 1,
    });
  });

  it("agrees with the per-user policy checks for every kind of cohort", async () => {
    const pop = buildPopulation({
      head: [
        { name: "alpha", monthly: 90_000 },
        { name: "beta", monthly: 30_000 },
        { name: "gamma", monthly: 9_000 },
      ],
      total: 60,
      days: 30,
      lastDay: Math.floor(NOW / DAY),
    });
    const { projectIds, userIds } = await loadPopulation(t.deps.db, NOW, pop);
    // Someone who maintains nothing: only the all-users cohort holds them.
    await quickUser(t.deps.db, NOW, { username: "lurker", mfa: "both" });
    const leftPad = await quickProject(t.deps.db, NOW, "npm", "left-pad", userIds.slice(0, 3));
    await t.deps.db
      .updateTable("projects")
      .set({ critical_since: NOW })
      .where("id", "in", [...projectIds.slice(0, 5), leftPad])
      .execute();
    const rules: Array<Partial<MandateInput>> = [
      { cohort: "critical" },
      { cohort: "critical", ecosystem: "npm" },
      { cohort: "all-projects", ecosystem: "pypi" },
      { cohort: "projects", projects: ["beta", "pkg-1a", "left-pad"] },
      { cohort: "threshold", threshold: 500, windowDays: 14 },
      { cohort: "all-users", ecosystem: "npm" },
    ];
    const roles = await t.deps.db.selectFrom("roles").select(["user_id", "project_id"]).execute();
    const users = await t.deps.db.selectFrom("users").select("id").where("is_frozen", "=", 0).execute();
    for (const input of rules) {
      const m: Mandate = await mandate(input);
      // The slow, obviously right way: each user's projects through projectInCohort.
      const covered = new Set<string>();
      for (const r of roles) {
        if (m.cohort === "all-users") break;
        if (await projectInCohort(t.deps.db, m, (await policyProject(t.deps.db, r.project_id))!, NOW))
          covered.add(r.user_id);
      }
      const members = m.cohort === "all-users" ? users.map((u) => u.id) : [...covered];
      const expected = { total: members.length, anyMfa: 0, phishingResistant: 0 };
      for (const id of members) {
        const s = await actorStrength(t.deps.db, id);
        if (s.any) expected.anyMfa++;
        if (s.phishingResistant) expected.phishingResistant++;
      }
      expect(expected.total, JSON.stringify(input)).toBeGreaterThan(0);
      if (m.cohort !== "all-users") expect(expected.total, JSON.stringify(input)).toBeLessThan(users.length);
      const { projects: _p, nonCompliantReachable: _r, ...got } = await cohortFigures(t.deps, m, "any");
      expect(got, JSON.stringify(input)).toEqual(expected);
    }
  }, 60_000);

  it("snapshots once a day per cohort, replacing the same day's figures, and reads them back in order", async () => {
    const alice = await user("alice");
    await takeSnapshot(t.deps);
    await t.deps.db
      .insertInto("totp_credentials")
      .values({ user_id: alice, secret_enc: "!", last_step: 0, created_at: NOW })
      .execute();
    t.clock.set(NOW + 2 * 3_600_000);
    await takeSnapshot(t.deps);
    expect(await adoptionSeries(t.deps.db, "all", TODAY - 10 * DAY)).toEqual([
      { day: TODAY, total: 1, anyMfa: 1, phishingResistant: 0 },
    ]);
    await user("bob");
    t.clock.set(NOW + DAY);
    await takeSnapshot(t.deps);
    expect(await adoptionSeries(t.deps.db, "all", TODAY - 10 * DAY)).toEqual([
      { day: TODAY, total: 1, anyMfa: 1, phishingResistant: 0 },
      { day: TODAY + DAY, total: 2, anyMfa: 1, phishingResistant: 0 },
    ]);
    expect(await adoptionSeries(t.deps.db, "all", TODAY + DAY)).toHaveLength(1);
    expect((await adoptionSeries(t.deps.db, "critical", 0)).map((p) => p.total)).toEqual([0, 0]);
  });

  it("the daily job takes a snapshot once a day, on one instance, under a lease", async () => {
    await user("alice");
    expect(await runSnapshotJob(t.deps, "instance-a")).toBe(true);
    expect(await runSnapshotJob(t.deps, "instance-b")).toBe(false);
    t.clock.set(NOW + DAY);
    // Another instance is taking it right now: this one stays out.
    await t.deps.db
      .insertInto("job_leases")
      .values({ name: SNAPSHOT_LEASE, holder: "instance-b", expires_at: NOW + DAY + 60_000 })
      .execute();
    expect(await runSnapshotJob(t.deps, "instance-a")).toBe(false);
    t.clock.set(NOW + DAY + 120_000);
    expect(await runSnapshotJob(t.deps, "instance-a")).toBe(true);
    const days = await t.deps.db
      .selectFrom("mfa_snapshots")
      .select("day")
      .where("cohort", "=", "all")
      .execute();
    expect(days.map((d) => Number(d.day)).sort()).toEqual([TODAY, TODAY + DAY]);
  });

  it("stays fast at 100,000 users: aggregate queries, not a query per user", async () => {
    const n = 100_000;
    await sql`insert into users (id, username, username_canonical, email, email_canonical, email_verified_at,
        password_hash, password_changed_at, is_admin, is_frozen, created_at)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n})
      select 'b' || i, 'b' || i, 'b' || i, 'b' || i || '@example.com', 'b' || i || '@example.com', cast(${NOW} as bigint),
        '!', cast(${NOW} as bigint), 0, case when i % 50 = 0 then 1 else 0 end, cast(${NOW} as bigint) from s`.execute(
      t.deps.db,
    );
    await sql`insert into totp_credentials (user_id, secret_enc, last_step, created_at)
      select id, '!', 0, cast(${NOW} as bigint) from users where cast(substr(id, 2) as integer) % 3 = 0`.execute(
      t.deps.db,
    );
    await sql`insert into webauthn_credentials (id, user_id, credential_id, public_key, counter, transports,
        aaguid, backup_eligible, backup_state, is_passkey, label, created_at)
      select 'k' || id, id, 'c' || id, '!', 0, '[]', '', 0, 0, 0, 'key', cast(${NOW} as bigint) from users
      where cast(substr(id, 2) as integer) % 10 = 0`.execute(t.deps.db);
    await sql`insert into projects (id, ecosystem, name, normalized_name, ultranormalized_name, created_at, serial,
        critical_since)
      select 'p' || id, 'pypi', 'p' || id, 'p' || id, 'p' || id, cast(${NOW} as bigint), 1,
        case when cast(substr(id, 2) as integer) % 200 in (5, 10) then cast(${NOW} as bigint) else null end
      from users where cast(substr(id, 2) as integer) % 5 = 0`.execute(t.deps.db);
    await sql`insert into roles (project_id, user_id, role, created_at)
      select id, substr(id, 2), 'owner', cast(${NOW} as bigint) from projects`.execute(t.deps.db);
    const expected = { all: [0, 0, 0], critical: [0, 0, 0] };
    for (let i = 1; i <= n; i++) {
      if (i % 50 === 0) continue;
      const row = [1, i % 3 === 0 || i % 10 === 0 ? 1 : 0, i % 10 === 0 ? 1 : 0];
      row.forEach((v, k) => {
        expected.all[k]! += v;
        if (i % 200 === 5 || i % 200 === 10) expected.critical[k]! += v;
      });
    }
    const started = performance.now();
    const live = await liveAdoption(t.deps);
    const elapsed = performance.now() - started;
    expect(live.map((c) => [c.total, c.anyMfa, c.phishingResistant])).toEqual([
      expected.all,
      expected.critical,
    ]);
    // Seconds on a busy 2-core machine; a per-user loop takes minutes.
    expect(elapsed).toBeLessThan(10_000);
  }, 180_000);
});
