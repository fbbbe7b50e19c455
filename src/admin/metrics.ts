import { sql } from "kysely";
import { Gauge, type Registry } from "prom-client";
import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { DAY } from "../lib/clock.js";
import { type Adoption, adoptionWhere, CRITICAL_MAINTAINERS } from "./adoption.js";

/** Recovery requests still waiting for someone: the person (proofs, waiting) or an operator (queued). */
export const OPEN_RECOVERY_STATES = ["proofs", "waiting", "queued"] as const;
export type OpenRecoveryState = (typeof OPEN_RECOVERY_STATES)[number];

/** Age buckets of open requests (age = now - created_at): a queue older than its waiting period is stuck. */
export const RECOVERY_AGE_BUCKETS = [
  { label: "< 1 day", maxMs: DAY },
  { label: "1–7 days", maxMs: 7 * DAY },
  { label: "7–14 days", maxMs: 14 * DAY },
  { label: "14–30 days", maxMs: 30 * DAY },
  { label: "> 30 days", maxMs: Number.POSITIVE_INFINITY },
] as const;

export interface RecoveryBacklog {
  byState: Record<OpenRecoveryState, number>;
  total: number;
  /** created_at of the oldest open request, null when none is open. */
  oldestCreatedAt: number | null;
  ages: Array<{ label: string; count: number }>;
}

/** Open recovery requests by state and age bucket: one grouped query on the (state, created_at) index. */
export async function recoveryBacklog(db: DbExecutor, now: number): Promise<RecoveryBacklog> {
  const finite = RECOVERY_AGE_BUCKETS.filter((b) => Number.isFinite(b.maxMs));
  const bucketSums = sql.join(
    finite.map(
      (b, i) =>
        sql`coalesce(sum(case when created_at > ${now - b.maxMs} then 1 else 0 end), 0) as ${sql.ref(`b${i}`)}`,
    ),
  );
  const rows = (
    await sql<Record<string, number | string | null>>`
      select state, count(*) as n, min(created_at) as oldest, ${bucketSums}
      from recovery_requests where state in (${sql.join([...OPEN_RECOVERY_STATES])})
      group by state`.execute(db)
  ).rows;
  const byState = Object.fromEntries(OPEN_RECOVERY_STATES.map((s) => [s, 0])) as Record<
    OpenRecoveryState,
    number
  >;
  // Cumulative: b_i counts requests younger than bucket i's upper bound.
  const younger = finite.map(() => 0);
  let total = 0;
  let oldest: number | null = null;
  for (const r of rows) {
    const n = Number(r.n);
    byState[r.state as OpenRecoveryState] = n;
    total += n;
    const o = r.oldest === null ? null : Number(r.oldest);
    if (o !== null && (oldest === null || o < oldest)) oldest = o;
    finite.forEach((_b, i) => {
      younger[i]! += Number(r[`b${i}`] ?? 0);
    });
  }
  const ages = RECOVERY_AGE_BUCKETS.map((b, i) => ({
    label: b.label,
    count: (i < younger.length ? younger[i]! : total) - (i > 0 ? younger[i - 1]! : 0),
  }));
  return { byState, total, oldestCreatedAt: oldest, ages };
}

export interface OperatorFigures {
  users: Adoption;
  critical: Adoption;
  recovery: RecoveryBacklog;
  now: number;
}

export async function operatorFigures(deps: Pick<Deps, "db" | "clock">): Promise<OperatorFigures> {
  const now = deps.clock.now();
  return {
    users: await adoptionWhere(deps.db, null),
    critical: await adoptionWhere(deps.db, CRITICAL_MAINTAINERS),
    recovery: await recoveryBacklog(deps.db, now),
    now,
  };
}

/**
 * Operator gauges on the app's /metrics registry, computed from the database at scrape time. All of them
 * come from one computation kept for `cacheMs` (by the injected clock), so a scrape costs at most a few
 * aggregate queries however many gauges and scrapers there are. A failed computation is logged and
 * shows as missing series (labelled gauges) or NaN, never as a believable zero.
 *
 * Compliance of critical-project maintainers counts a security key or passkey (phishing-resistant), not
 * whatever today's mandates ask: the registry's target for its most valuable accounts is fixed (OpenSSF
 * L3), so the series stays comparable over time while mandates come and go. With no maintainers of
 * critical projects the ratio is 1 (nobody is out of compliance); `wharf_critical_maintainers` tells the
 * two cases apart.
 */
export function registerOperatorMetrics(
  registry: Registry,
  deps: Pick<Deps, "db" | "clock" | "log">,
  opts: { cacheMs?: number } = {},
): void {
  const cacheMs = opts.cacheMs ?? 15_000;
  let cached: { at: number; value: Promise<OperatorFigures | null> } | null = null;
  const figures = (): Promise<OperatorFigures | null> => {
    const now = deps.clock.now();
    if (!cached || now - cached.at >= cacheMs) {
      cached = {
        at: now,
        value: operatorFigures(deps).catch((e: unknown) => {
          deps.log.error({ err: e }, "operator metrics could not be computed");
          cached = null;
          return null;
        }),
      };
    }
    return cached.value;
  };
  const registers = [registry];
  new Gauge({
    name: "wharf_users_mfa",
    help: "Active (not frozen) users by their strongest second factor: none, totp (authenticator app only), phishing_resistant (security key or passkey)",
    labelNames: ["strength"] as const,
    registers,
    async collect() {
      const f = await figures();
      this.reset();
      if (!f) return;
      this.set({ strength: "none" }, f.users.total - f.users.anyMfa);
      this.set({ strength: "totp" }, f.users.anyMfa - f.users.phishingResistant);
      this.set({ strength: "phishing_resistant" }, f.users.phishingResistant);
    },
  });
  new Gauge({
    name: "wharf_critical_maintainers",
    help: "Active users with a role on at least one critical project",
    registers,
    async collect() {
      const f = await figures();
      this.set(f ? f.critical.total : Number.NaN);
    },
  });
  new Gauge({
    name: "wharf_critical_maintainers_compliant_ratio",
    help: "Share of maintainers of critical projects with a security key or passkey (1 when there are none)",
    registers,
    async collect() {
      const f = await figures();
      this.set(!f ? Number.NaN : f.critical.total ? f.critical.phishingResistant / f.critical.total : 1);
    },
  });
  new Gauge({
    name: "wharf_recovery_requests_open",
    help: "Open account recovery requests by state (proofs, waiting, queued)",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const f = await figures();
      this.reset();
      if (!f) return;
      for (const s of OPEN_RECOVERY_STATES) this.set({ state: s }, f.recovery.byState[s]);
    },
  });
  new Gauge({
    name: "wharf_recovery_oldest_open_age_seconds",
    help: "Age of the oldest open account recovery request (0 when none is open)",
    registers,
    async collect() {
      const f = await figures();
      const oldest = f?.recovery.oldestCreatedAt;
      this.set(!f ? Number.NaN : oldest == null ? 0 : Math.max(0, (f.now - oldest) / 1000));
    },
  });
}
