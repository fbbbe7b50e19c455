import { type RawBuilder, sql } from "kysely";
import { type Db, type DbExecutor, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { activeMandates, type Mandate } from "../mandates/index.js";
import { ecosystemTotals, STATS_ECOSYSTEMS } from "../stats/index.js";

/**
 * MFA adoption: how many active (not frozen) users of a cohort have any second factor and how many a
 * phishing-resistant one (a WebAuthn security key or passkey, as mfa/strength.ts counts it). Every
 * figure is one aggregate query with index seeks per user, never a query per user, so the dashboard,
 * the daily snapshot and /metrics stay cheap at 100k users.
 */
export interface Adoption {
  total: number;
  anyMfa: number;
  phishingResistant: number;
}

export interface CohortAdoption extends Adoption {
  /** The mfa_snapshots key: "all" | "critical" | "mandate:<id>". */
  cohort: string;
  label: string;
}

/** What decides a mandate's cohort; a saved mandate or a draft being previewed. */
export type CohortRule = Pick<Mandate, "cohort" | "ecosystem" | "threshold" | "projects" | "windowDays">;

export const startOfDay = (ms: number): number => Math.floor(ms / DAY) * DAY;

/** SQL conditions on `users u`: a security key or passkey; any second factor. */
export const HAS_KEY = sql<boolean>`exists (select 1 from webauthn_credentials w where w.user_id = u.id)`;
export const HAS_ANY = sql<boolean>`(${HAS_KEY} or exists (select 1 from totp_credentials t where t.user_id = u.id))`;

export type AdoptionDeps = Pick<Deps, "db" | "dialect" | "clock">;

/**
 * The SQL condition on `projects p` for the projects a cohort covers (cohorts.ts `projectInCohort`, in
 * bulk), or null for the all-users cohort, which covers people rather than projects.
 */
export async function projectCondition(
  deps: AdoptionDeps,
  rule: CohortRule,
  now: number,
): Promise<RawBuilder<boolean> | null> {
  if (rule.cohort === "all-users") return null;
  const eco = rule.ecosystem ? sql<boolean>`p.ecosystem = ${rule.ecosystem}` : sql<boolean>`1 = 1`;
  switch (rule.cohort) {
    case "all-projects":
      return eco;
    case "critical":
      return sql<boolean>`${eco} and p.critical_since is not null`;
    case "projects": {
      const names = rule.projects.map((n) => n.toLowerCase());
      if (!names.length) return sql<boolean>`1 = 0`;
      return sql<boolean>`${eco} and p.normalized_name in (${sql.join(names)})`;
    }
    case "threshold": {
      // One JSON parameter instead of thousands of bound ids (SQLite and PostgreSQL cap those).
      const ids = JSON.stringify(await thresholdProjects(deps.db, rule, now));
      return deps.dialect === "postgres"
        ? sql<boolean>`p.id in (select jsonb_array_elements_text(${ids}::jsonb))`
        : sql<boolean>`p.id in (select value from json_each(${ids}))`;
    }
  }
}

/**
 * Hosted projects with at least `threshold` downloads over the window, by the same arithmetic as
 * `projectDownloads` (imported weeks plus Wharf's own counts), ranked per ecosystem in one pass.
 */
async function thresholdProjects(db: DbExecutor, rule: CohortRule, now: number): Promise<string[]> {
  const out: string[] = [];
  const min = rule.threshold ?? Number.POSITIVE_INFINITY;
  for (const ecosystem of rule.ecosystem ? [rule.ecosystem] : STATS_ECOSYSTEMS) {
    const totals = await ecosystemTotals(db, ecosystem, rule.windowDays, now);
    const hosted = await db
      .selectFrom("projects as p")
      .leftJoin("stats_names as n", (j) =>
        j.onRef("n.ecosystem", "=", "p.ecosystem").onRef("n.name", "=", "p.normalized_name"),
      )
      .select(["p.id", "p.normalized_name", "n.id as name_id"])
      .where("p.ecosystem", "=", ecosystem)
      .execute();
    for (const h of hosted) {
      const imported = h.name_id !== null && h.name_id < totals.byId.length ? totals.byId[h.name_id]! : 0;
      if (imported + (totals.byName.get(h.normalized_name) ?? 0) >= min) out.push(h.id);
    }
  }
  return out;
}

/** Maintainers (any role) of the projects matching `projects`, or every active user when null. */
function members(projects: RawBuilder<boolean> | null): RawBuilder<boolean> {
  if (!projects) return sql<boolean>`1 = 1`;
  return sql<boolean>`exists (select 1 from roles r join projects p on p.id = r.project_id
    where r.user_id = u.id and ${projects})`;
}

export interface CohortFigures extends Adoption {
  /** Projects the cohort covers (every project of the ecosystem for the all-users cohort). */
  projects: number;
  /** Users without the required strength whose email is verified: who a notice can reach. */
  nonCompliantReachable: number;
}

/** Adoption in a cohort plus what a mandate's preview needs: projects covered, reachable non-compliers. */
export async function cohortFigures(
  deps: AdoptionDeps,
  rule: CohortRule,
  strength: Mandate["strength"],
): Promise<CohortFigures> {
  const cond = await projectCondition(deps, rule, deps.clock.now());
  const complies = strength === "any" ? HAS_ANY : HAS_KEY;
  const row = (
    await sql<{ total: number; any_mfa: number; pr: number; reachable: number }>`
      select count(*) as total,
        coalesce(sum(case when ${HAS_ANY} then 1 else 0 end), 0) as any_mfa,
        coalesce(sum(case when ${HAS_KEY} then 1 else 0 end), 0) as pr,
        coalesce(sum(case when u.email_verified_at is not null and not ${complies} then 1 else 0 end), 0)
          as reachable
      from users u where u.is_frozen = 0 and ${members(cond)}`.execute(deps.db)
  ).rows[0];
  const eco = rule.ecosystem ? sql<boolean>`p.ecosystem = ${rule.ecosystem}` : sql<boolean>`1 = 1`;
  const projects = (
    await sql<{ n: number }>`select count(*) as n from projects p where ${cond ?? eco}`.execute(deps.db)
  ).rows[0];
  return {
    total: Number(row?.total ?? 0),
    anyMfa: Number(row?.any_mfa ?? 0),
    phishingResistant: Number(row?.pr ?? 0),
    nonCompliantReachable: Number(row?.reachable ?? 0),
    projects: Number(projects?.n ?? 0),
  };
}

/** Adoption among active users matching a project condition (null: all active users). */
export async function adoptionWhere(db: DbExecutor, projects: RawBuilder<boolean> | null): Promise<Adoption> {
  const row = (
    await sql<{ total: number; any_mfa: number; pr: number }>`
      select count(*) as total,
        coalesce(sum(case when ${HAS_ANY} then 1 else 0 end), 0) as any_mfa,
        coalesce(sum(case when ${HAS_KEY} then 1 else 0 end), 0) as pr
      from users u where u.is_frozen = 0 and ${members(projects)}`.execute(db)
  ).rows[0];
  return {
    total: Number(row?.total ?? 0),
    anyMfa: Number(row?.any_mfa ?? 0),
    phishingResistant: Number(row?.pr ?? 0),
  };
}

/** Maintainers of critical projects (any ecosystem): the cohort the giveaway and metrics watch. */
export const CRITICAL_MAINTAINERS = sql<boolean>`p.critical_since is not null`;

/** Today's figures: all users, maintainers of critical projects, and each active mandate's cohort. */
export async function liveAdoption(deps: AdoptionDeps): Promise<CohortAdoption[]> {
  const now = deps.clock.now();
  const out: CohortAdoption[] = [
    { cohort: "all", label: "All users", ...(await adoptionWhere(deps.db, null)) },
    {
      cohort: "critical",
      label: "Maintainers of critical projects",
      ...(await adoptionWhere(deps.db, CRITICAL_MAINTAINERS)),
    },
  ];
  for (const m of await activeMandates(deps.db)) {
    const cond = await projectCondition(deps, m, now);
    out.push({ cohort: `mandate:${m.id}`, label: m.name, ...(await adoptionWhere(deps.db, cond)) });
  }
  return out;
}

/** Writes today's row of every cohort (a second run the same day replaces it with fresher figures). */
export async function takeSnapshot(deps: AdoptionDeps): Promise<CohortAdoption[]> {
  const figures = await liveAdoption(deps);
  const day = startOfDay(deps.clock.now());
  await transaction(deps.db, async (tx) => {
    for (const f of figures) {
      const values = { total: f.total, any_mfa: f.anyMfa, phishing_resistant: f.phishingResistant };
      await tx
        .insertInto("mfa_snapshots")
        .values({ day, cohort: f.cohort, ...values })
        .onConflict((oc) => oc.columns(["day", "cohort"]).doUpdateSet(values))
        .execute();
    }
  });
  return figures;
}

export interface AdoptionPoint extends Adoption {
  /** Start of the UTC day, epoch ms. */
  day: number;
}

/** A cohort's daily snapshots from `fromDay` on, oldest first. */
export async function adoptionSeries(db: Db, cohort: string, fromDay: number): Promise<AdoptionPoint[]> {
  const rows = await db
    .selectFrom("mfa_snapshots")
    .select(["day", "total", "any_mfa", "phishing_resistant"])
    .where("cohort", "=", cohort)
    .where("day", ">=", fromDay)
    .orderBy("day")
    .execute();
  return rows.map((r) => ({
    day: Number(r.day),
    total: Number(r.total),
    anyMfa: Number(r.any_mfa),
    phishingResistant: Number(r.phishing_resistant),
  }));
}

export const SNAPSHOT_LEASE = "mfa-snapshot";

async function snapshotTaken(db: DbExecutor, day: number): Promise<boolean> {
  const r = await db
    .selectFrom("mfa_snapshots")
    .select("day")
    .where("day", "=", day)
    .where("cohort", "=", "all")
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * Takes today's snapshot unless one exists, on one instance at a time (the lease; the check is repeated
 * under it because another instance may have just finished). True when this call took it.
 */
export async function runSnapshotJob(deps: AdoptionDeps, holder: string): Promise<boolean> {
  const now = deps.clock.now();
  if (await snapshotTaken(deps.db, startOfDay(now))) return false;
  const r = await withLease(deps.db, SNAPSHOT_LEASE, holder, 15 * MINUTE, now, async () => {
    if (await snapshotTaken(deps.db, startOfDay(deps.clock.now()))) return false;
    await takeSnapshot(deps);
    return true;
  });
  return r.ran && r.value;
}

/**
 * The daily snapshot behind the dashboard's charts. Every instance checks every 30 minutes (the first
 * time shortly after start-up, so restarts do not pile up work); the first check of a UTC day takes it.
 * Returns a stop function that waits for a run in progress.
 */
export function startAdoptionSnapshotJob(
  deps: AdoptionDeps & Pick<Deps, "log">,
  opts: { intervalMs?: number; firstDelayMs?: number } = {},
): () => Promise<void> {
  const holder = instanceId();
  return repeatEvery(
    () =>
      runSnapshotJob(deps, holder)
        .then((took) => {
          if (took) deps.log.info("MFA adoption snapshot taken");
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "MFA adoption snapshot failed")),
    { intervalMs: opts.intervalMs ?? 30 * MINUTE, firstDelayMs: opts.firstDelayMs ?? 2 * MINUTE },
  );
}
