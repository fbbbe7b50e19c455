import { plural } from "../../lib/plural.js";
import type { Phase } from "../../mandates/index.js";
import type { PageContext } from "../../web/index.js";
import { TableScroll } from "../../web/index.js";
import type { AdoptionPoint, CohortAdoption } from "../adoption.js";
import { OPEN_RECOVERY_STATES, type RecoveryBacklog } from "../metrics.js";
import { AdoptionChart, RecoveryAgeChart } from "./charts.js";
import { ConsoleFrame } from "./layout.js";
import { StorageSection, type StorageStatus } from "./storage.js";

export interface DashboardCohort {
  live: CohortAdoption;
  /** Chart id: "all", "critical", "mandate-<id>". */
  chart: string;
  /** Daily snapshots, then today's live figures as the last point. */
  series: AdoptionPoint[];
  mandate?: { phase: Phase; strength: string };
}

export interface DashboardData {
  now: number;
  cohorts: DashboardCohort[];
  recovery: RecoveryBacklog;
  storage: StorageStatus;
}

const percent = (part: number, total: number) => (total ? `${((100 * part) / total).toFixed(1)}%` : "—");

/** "45 minutes", "7 hours", "3 days": how long a request has been open, to the unit that matters. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return plural(Math.floor(hours / 24), "day");
}

function Stat(p: { id: string; label: string; value: string; detail?: string }) {
  return (
    <div class="stat" data-stat={p.id}>
      {p.label}
      <b>{p.value}</b>
      {p.detail && <span class="muted">{p.detail}</span>}
    </div>
  );
}

export function DashboardPage(_ctx: PageContext, d: DashboardData) {
  const all = d.cohorts.find((c) => c.live.cohort === "all")!.live;
  const critical = d.cohorts.find((c) => c.live.cohort === "critical")!.live;
  const oldest = d.recovery.oldestCreatedAt;
  return (
    <ConsoleFrame current="/admin/">
      <h1>Dashboard</h1>
      <div class="stat-grid">
        <Stat id="users" label="Active users" value={String(all.total)} />
        <Stat
          id="any-mfa"
          label="With a second factor"
          value={String(all.anyMfa)}
          detail={percent(all.anyMfa, all.total)}
        />
        <Stat
          id="phishing-resistant"
          label="With a security key or passkey"
          value={String(all.phishingResistant)}
          detail={percent(all.phishingResistant, all.total)}
        />
        <Stat
          id="critical-compliant"
          label="Critical maintainers with a key"
          value={`${critical.phishingResistant} of ${critical.total}`}
          detail={percent(critical.phishingResistant, critical.total)}
        />
        <Stat id="recovery-open" label="Open recoveries" value={String(d.recovery.total)} />
        <Stat
          id="recovery-oldest"
          label="Oldest open recovery"
          value={oldest === null ? "—" : formatAge(d.now - oldest)}
        />
      </div>

      <h2>MFA adoption</h2>
      <TableScroll label="MFA adoption" data-table="adoption">
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col">Users</th>
            <th scope="col">Second factor</th>
            <th scope="col">Key or passkey</th>
          </tr>
        </thead>
        <tbody>
          {d.cohorts.map(({ live: c, mandate }) => (
            <tr key={c.cohort} data-cohort={c.cohort}>
              <td>
                {c.label}
                {mandate && (
                  <>
                    {" "}
                    <span class="state">{mandate.phase}</span>{" "}
                    <span class="muted">
                      requires {mandate.strength === "any" ? "any second factor" : "a key or passkey"}
                    </span>
                  </>
                )}
              </td>
              <td>{c.total}</td>
              <td>
                {c.anyMfa} <span class="muted">({percent(c.anyMfa, c.total)})</span>
              </td>
              <td>
                {c.phishingResistant} <span class="muted">({percent(c.phishingResistant, c.total)})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      {d.cohorts.map((c) => (
        <section key={c.chart} aria-labelledby={`chart-${c.chart}`}>
          <h3 id={`chart-${c.chart}`}>{c.mandate ? `Mandate: ${c.live.label}` : c.live.label}</h3>
          <AdoptionChart id={c.chart} title={c.live.label} points={c.series} />
        </section>
      ))}

      <h2>Account recovery</h2>
      <p>
        Requests still open: waiting for the person's proofs, in their waiting period, or queued for an
        operator. <a href="/admin/recovery">Recovery queue</a>
      </p>
      <TableScroll label="Open recovery requests" data-table="recovery">
        <thead>
          <tr>
            {OPEN_RECOVERY_STATES.map((s) => (
              <th key={s} scope="col">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {OPEN_RECOVERY_STATES.map((s) => (
              <td key={s} data-state={s}>
                {d.recovery.byState[s]}
              </td>
            ))}
          </tr>
        </tbody>
      </TableScroll>
      <RecoveryAgeChart buckets={d.recovery.ages} />
      <StorageSection s={d.storage} />
    </ConsoleFrame>
  );
}
