import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { lastReport, type PurgeReport } from "../../housekeeping/index.js";
import { DAY } from "../../lib/clock.js";
import { activeMandates, phaseOf } from "../../mandates/index.js";
import { listMissingBlobs, type ReconcileReport } from "../../packages/index.js";
import { sendPage } from "../../web/index.js";
import { adoptionSeries, type CohortAdoption, liveAdoption, startOfDay } from "../adoption.js";
import { recoveryBacklog } from "../metrics.js";
import { type DashboardCohort, type DashboardData, DashboardPage } from "../pages/dashboard.js";

/** How far back the adoption charts reach. */
export const CHART_DAYS = 180;

/**
 * Daily snapshots for the history, plus today's live figures as the last point: a fresh install (no
 * snapshot yet) still shows where it stands, and today's point is never a morning's stale copy.
 */
export async function dashboardData(deps: Deps): Promise<DashboardData> {
  const now = deps.clock.now();
  const today = startOfDay(now);
  const mandates = new Map((await activeMandates(deps.db)).map((m) => [`mandate:${m.id}`, m]));
  const cohorts: DashboardCohort[] = [];
  for (const live of await liveAdoption(deps)) {
    const history = await adoptionSeries(deps.db, live.cohort, today - CHART_DAYS * DAY);
    const m = mandates.get(live.cohort);
    cohorts.push({
      live,
      chart: live.cohort.replace(":", "-"),
      series: [...history.filter((p) => p.day < today), point(today, live)],
      ...(m ? { mandate: { phase: phaseOf(m, now), strength: m.strength } } : {}),
    });
  }
  const [reconcile, purge, missing] = await Promise.all([
    lastReport<ReconcileReport>(deps.db, "reconcile"),
    lastReport<PurgeReport>(deps.db, "purge"),
    listMissingBlobs(deps, 20),
  ]);
  return {
    now,
    cohorts,
    recovery: await recoveryBacklog(deps.db, now),
    storage: { reconcile, purge, missing },
  };
}

const point = (day: number, c: CohortAdoption) => ({
  day,
  total: c.total,
  anyMfa: c.anyMfa,
  phishingResistant: c.phishingResistant,
});

export function registerDashboardRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin", (_req, reply) => reply.redirect("/admin/", 301));
  app.get("/admin/", async (req, reply) => {
    const data = await dashboardData(deps);
    return sendPage(deps, req, reply, "Operator dashboard", (c) => DashboardPage(c, data));
  });
}
