import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventType } from "../events/index.js";
import { newId } from "../lib/ids.js";
import type { MailMessage } from "../mail/index.js";
import { lockStats, STATS_ECOSYSTEMS, type StatsEcosystem } from "../stats/index.js";
import { criticalDeadline, criticalMail, notCriticalMail } from "./mail.js";
import { type CriticalityPlan, type HostedProject, MANUAL, planCriticality } from "./plan.js";
import { enqueueMail } from "./queue.js";
import { describeRule, getRule } from "./rules.js";

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
  opts: { ecosystem?: StatsEcosystem } = {},
): Promise<ComputeReport[]> {
  const reports: ComputeReport[] = [];
  for (const ecosystem of opts.ecosystem ? [opts.ecosystem] : STATS_ECOSYSTEMS) {
    const now = deps.clock.now();
    const t0 = performance.now();
    const rule = await getRule(deps.db, ecosystem);
    const plan = await planCriticality(deps.db, rule, now);
    const t1 = performance.now();
    const { added, removed, queued } = await applyPlan(deps, plan, now);
    reports.push({
      ecosystem,
      rule: describeRule(rule),
      sticky: rule.sticky,
      window: plan.window,
      population: plan.population,
      selected: plan.selected,
      cutoffDownloads: plan.cutoffDownloads,
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

async function applyPlan(deps: CriticalityDeps, plan: CriticalityPlan, now: number) {
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
    const people = await maintainersOf(
      tx,
      [...added, ...removed].map((p) => p.id),
    );
    await projectEvents(tx, now, "project.critical", added, people, (p) => ({
      automatic: true,
      rule: why,
      downloads: p.downloads,
    }));
    await projectEvents(tx, now, "project.not_critical", removed, people, () => ({
      automatic: true,
      rule: why,
    }));
    // One mail per maintainer, listing all of their newly critical projects.
    const deadline = added.length ? await criticalDeadline(tx, eco) : null;
    const users = await usersById(tx, [...people.values()].flat());
    const byUser = new Map<string, { name: string; why: string }[]>();
    for (const p of added) {
      for (const u of people.get(p.id) ?? []) {
        const list = byUser.get(u) ?? [];
        list.push({ name: p.name, why: `${why} (${p.downloads.toLocaleString("en-US")} downloads)` });
        byUser.set(u, list);
      }
    }
    const mails: MailMessage[] = [];
    const base = { siteName: deps.config.siteName, origin: deps.config.origin, ecosystem: eco };
    for (const [userId, projects] of byUser) {
      const user = users.get(userId);
      if (user)
        mails.push(criticalMail({ ...base, user, projects, sticky: plan.rule.sticky, deadline, now }));
    }
    for (const p of removed) {
      for (const u of people.get(p.id) ?? []) {
        const user = users.get(u);
        if (user)
          mails.push(
            notCriticalMail({ ...base, user, project: p.name, why: `it is no longer among ${why}.` }),
          );
      }
    }
    await enqueueMail(tx, now, mails);
    return { added, removed, queued: mails.length };
  });
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
