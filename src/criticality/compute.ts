import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventType } from "../events/index.js";
import { newId } from "../lib/ids.js";
import type { MailMessage } from "../mail/index.js";
import { lockStats, STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";
import { criticalDeadline, criticalMail, type Deadline } from "./mail.js";
import { type CriticalityPlan, type HostedProject, MANUAL, planCriticality } from "./plan.js";
import { enqueueMail, withdrawMail } from "./queue.js";
import { type CriticalityRule, describeRule, getRule } from "./rules.js";
import { designationsToTell, recordTold } from "./told.js";

export type CriticalityDeps = Pick<Deps, "db" | "dialect" | "clock" | "mailer" | "log"> & {
  config: Pick<Deps["config"], "origin" | "siteName">;
};

export interface ComputeReport {
  ecosystem: StatsEcosystem;
  rule: string;
  sticky: boolean;
  window: { first: string; last: string };
  population: number;
  selected: number;
  cutoffDownloads: number | null;
  /** Names with a dependent, and the fewest dependents the dependents clause selected (null: none). */
  dependentsPopulation: number;
  cutoffDependents: number | null;
  unhosted: number;
  added: string[];
  removed: string[];
  critical: number;
  /** Mails queued for maintainers (sent by deliverPolicyMail, right after the job). */
  queued: number;
  /** Milliseconds: ranking (the SQL aggregation and sort), then the transaction that applies it. */
  timings: { plan: number; apply: number };
}

/**
 * The daily job's work (also `wharf policy compute`): rank, designate, record, and queue the mail that
 * tells maintainers (deliverPolicyMail sends it).
 */
export async function computeCriticality(
  deps: CriticalityDeps,
  opts: {
    ecosystem?: StatsEcosystem;
    /** Rows that must commit with a run that changed designations (the CLI's audit entry). */
    alsoInTransaction?: AlsoInTransaction;
  } = {},
): Promise<ComputeReport[]> {
  const reports: ComputeReport[] = [];
  const told: Told = new Map();
  for (const ecosystem of opts.ecosystem ? [opts.ecosystem] : STATS_ECOSYSTEMS) {
    const now = deps.clock.now();
    const t0 = performance.now();
    const rule = await getRule(deps.db, ecosystem);
    const plan = await planCriticality(deps.db, rule, now);
    const t1 = performance.now();
    const { added, removed, queued, tell } = await applyPlan(deps, plan, now, told, opts.alsoInTransaction);
    // Only once the transaction committed: a rolled-back ecosystem queued nothing to merge into.
    for (const [userId, t] of tell) told.set(userId, t);
    reports.push({
      ecosystem,
      rule: describeRule(rule),
      sticky: rule.sticky,
      window: plan.window,
      population: plan.population,
      selected: plan.selected,
      cutoffDownloads: plan.cutoffDownloads,
      dependentsPopulation: plan.dependentsPopulation,
      cutoffDependents: plan.cutoffDependents,
      unhosted: plan.unhosted,
      added: added.map((p) => p.name),
      removed: removed.map((p) => p.name),
      // The plan, less what an admin changed meanwhile (compare-and-swap losses).
      critical:
        plan.critical.length - (plan.add.length - added.length) + (plan.remove.length - removed.length),
      queued,
      timings: { plan: t1 - t0, apply: performance.now() - t1 },
    });
  }
  return reports;
}

/**
 * The designation mail already queued for each person in this run (one transaction per ecosystem).
 * A person with projects in two ecosystems gets one mail per run, listing what became critical and
 * what stopped being so: the later ecosystem withdraws the queued mail, still unsent, and queues one
 * listing both. If it was already sent (a concurrent delivery), the new mail lists only the new changes.
 */
type Listed = { name: string; why: string; ecosystem: string };
type Told = Map<string, { mailId: string; projects: Listed[]; removed: Listed[]; deadline: Deadline | null }>;

const earliest = (a: Deadline | null, b: Deadline | null) =>
  !a ? b : !b ? a : a.enforceAt <= b.enforceAt ? a : b;

type AlsoInTransaction = (
  tx: Tx,
  change: { ecosystem: StatsEcosystem; added: string[]; removed: string[] },
) => Promise<void>;

async function applyPlan(
  deps: CriticalityDeps,
  plan: CriticalityPlan,
  now: number,
  told: Told,
  also?: AlsoInTransaction,
) {
  const eco = plan.rule.ecosystem;
  const why = describeRule(plan.rule);
  return transaction(deps.db, async (tx) => {
    await lockStats(tx, deps.dialect);
    // Re-checked inside the transaction: an admin may have acted since the plan was made.
    const added = await claim(tx, plan.add, "designate", {
      critical_since: now,
      critical_manual: MANUAL.automatic,
      critical_reason: `Automatic: ${why}`,
    });
    const removed = await claim(tx, plan.remove, "undesignate", {
      critical_since: null,
      critical_reason: null,
    });
    if (also && (added.length || removed.length))
      await also(tx, {
        ecosystem: eco,
        added: added.map((p) => p.name),
        removed: removed.map((p) => p.name),
      });
    const people = await maintainersOf(
      tx,
      [...added, ...removed].map((p) => p.id),
    );
    await projectEvents(tx, now, "project.critical", added, people, (p) => ({
      automatic: true,
      rule: why,
      downloads: p.downloads,
      dependents: p.dependents,
      // Which clause made it critical (issue 18: "top 100 by dependents OR top 1% by downloads").
      reasons: p.reasons.map((r) => r.text),
    }));
    await projectEvents(tx, now, "project.not_critical", removed, people, () => ({
      automatic: true,
      rule: why,
    }));
    // One mail per maintainer per run, listing every project of theirs that became critical or
    // stopped being so, across ecosystems; flapping is not mailed (told.ts).
    const tells = await designationsToTell(tx, eco, added, removed, people, now);
    const deadline = tells.some((t) => t.critical) ? await criticalDeadline(tx, eco) : null;
    const users = await usersById(
      tx,
      tells.map((t) => t.userId),
    );
    const byUser = new Map<string, { added: Listed[]; removed: Listed[] }>();
    // With a dependents clause, say which clause selected each project (downloads only: as before).
    const clauses = new Map(
      plan.rule.dependents ? added.map((p) => [p.id, p.reasons.map((r) => r.text).join("; and ")]) : [],
    );
    for (const t of tells) {
      if (!users.has(t.userId)) continue;
      const lists = byUser.get(t.userId) ?? { added: [], removed: [] };
      if (t.critical)
        lists.added.push({
          name: t.name,
          why: t.catchUp
            ? why
            : clauses.get(t.projectId) || `${why} (${t.downloads.toLocaleString("en-US")} downloads)`,
          ecosystem: eco,
        });
      else lists.removed.push({ name: t.name, why: `it is no longer among ${why}.`, ecosystem: eco });
      byUser.set(t.userId, lists);
    }
    const critical: MailMessage[] = [];
    const criticalFor: {
      userId: string;
      projects: Listed[];
      removed: Listed[];
      deadline: Deadline | null;
    }[] = [];
    const base = { siteName: deps.config.siteName, origin: deps.config.origin, ecosystem: eco };
    for (const [userId, mine] of byUser) {
      const user = users.get(userId)!;
      const before = told.get(userId);
      const merged = before && (await withdrawMail(tx, before.mailId));
      const projects = merged ? [...before.projects, ...mine.added] : mine.added;
      const gone = merged ? [...before.removed, ...mine.removed] : mine.removed;
      const due = merged ? earliest(before.deadline, deadline) : deadline;
      critical.push(
        criticalMail({
          ...base,
          user,
          projects,
          removed: gone,
          sticky: plan.rule.sticky,
          deadline: due,
          now,
        }),
      );
      criticalFor.push({ userId, projects, removed: gone, deadline: due });
    }
    await recordTold(
      tx,
      tells.filter((t) => users.has(t.userId)),
      now,
    );
    const ids = await enqueueMail(tx, now, critical);
    const tell: Told = new Map(
      criticalFor.map((c, i) => [
        c.userId,
        { mailId: ids[i]!, projects: c.projects, removed: c.removed, deadline: c.deadline },
      ]),
    );
    return { added, removed, queued: critical.length, tell };
  });
}

export interface RunPreview {
  plan: CriticalityPlan;
  /** Maintainers the run would mail (one mail each), by the job's own rules (told.ts). */
  mails: number;
}

/**
 * What applying `rule` now would do — designations made and ended, mails sent — without changing
 * anything: the dry run of `wharf policy rule set`, computed by the job's own functions.
 */
export async function previewRun(
  deps: Pick<CriticalityDeps, "db" | "clock">,
  rule: CriticalityRule,
): Promise<RunPreview> {
  const now = deps.clock.now();
  const plan = await planCriticality(deps.db, rule, now);
  const people = await maintainersOf(
    deps.db,
    [...plan.add, ...plan.remove].map((p) => p.id),
  );
  const tells = await designationsToTell(deps.db, rule.ecosystem, plan.add, plan.remove, people, now);
  const users = await usersById(
    deps.db,
    tells.map((t) => t.userId),
  );
  return { plan, mails: users.size };
}

/** Updates the projects still eligible and returns those (compare-and-swap, in batches). */
async function claim(
  tx: Tx,
  projects: HostedProject[],
  change: "designate" | "undesignate",
  set: { critical_since: number | null; critical_manual?: number; critical_reason: string | null },
): Promise<HostedProject[]> {
  const won: HostedProject[] = [];
  for (let i = 0; i < projects.length; i += 500) {
    const batch = projects.slice(i, i + 500);
    let q = tx
      .selectFrom("projects")
      .select("id")
      .where(
        "id",
        "in",
        batch.map((p) => p.id),
      );
    q =
      change === "designate"
        ? q.where("critical_since", "is", null).where("critical_manual", ">=", 0)
        : q.where("critical_since", "is not", null).where("critical_manual", "=", MANUAL.automatic);
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) continue;
    await tx.updateTable("projects").set(set).where("id", "in", ids).execute();
    const ok = new Set(ids);
    won.push(...batch.filter((p) => ok.has(p.id)));
  }
  return won;
}

/** Owners and maintainers of each project. */
export async function maintainersOf(db: DbExecutor, projectIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < projectIds.length; i += 500) {
    const rows = await db
      .selectFrom("roles")
      .select(["project_id", "user_id"])
      .where("project_id", "in", projectIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const list = out.get(r.project_id) ?? [];
      list.push(r.user_id);
      out.set(r.project_id, list);
    }
  }
  return out;
}

export async function usersById(
  db: DbExecutor,
  ids: string[],
): Promise<Map<string, { username: string; email: string }>> {
  const out = new Map<string, { username: string; email: string }>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom("users")
      .select(["id", "username", "email"])
      .where("id", "in", unique.slice(i, i + 500))
      .where("is_frozen", "=", 0)
      .execute();
    for (const r of rows) out.set(r.id, { username: r.username, email: r.email });
  }
  return out;
}

/**
 * The same rows recordProjectEvent writes (one on the project, one on each maintainer's history), in
 * multi-row inserts: the first run of the job on a big registry designates thousands of projects.
 */
export async function projectEvents<P extends { id: string; name: string }>(
  tx: Tx,
  now: number,
  type: EventType,
  projects: P[],
  people: Map<string, string[]>,
  data: (p: P) => Record<string, unknown>,
): Promise<void> {
  const rows = [];
  for (const p of projects) {
    const d = JSON.stringify({ project: p.name, ...data(p) });
    for (const userId of [null, ...(people.get(p.id) ?? [])]) {
      rows.push({
        id: newId(now),
        user_id: userId,
        project_id: userId === null ? p.id : null,
        type,
        created_at: now,
        ip: null,
        user_agent: null,
        data: d,
      });
    }
  }
  for (let i = 0; i < rows.length; i += 500)
    await tx
      .insertInto("events")
      .values(rows.slice(i, i + 500))
      .execute();
}
