import type { Phase, SimulationResult } from "../../mandates/index.js";
import { TableScroll, Time } from "../../web/index.js";
import type { MandatePreview } from "../mandate-form.js";

const EFFECTS: Record<Exclude<Phase, "scheduled">, string> = {
  notice: "One email and a banner for each of them",
  warn: "A banner on every page and a warning with every publish",
  enforce: "Publishing, adding people and creating tokens refused until they comply",
};

/** The mail a phase sends, as the simulation (the sender's own rules) counts it. */
function emailsOf(r: MandatePreview, phase: Exclude<Phase, "scheduled">): string {
  const m = r.simulation.mail;
  if (phase === "warn") return m.warn ? `≈ ${m.warn.estimate}` : "—";
  const p = m[phase];
  return p ? String(p.reachable) : "—";
}

/** What saving would do: who the cohort holds, who already complies, what each phase does to the rest. */
export function MandatePreviewCard(p: { preview: MandatePreview }) {
  const r = p.preview;
  const f = r.figures;
  return (
    <section class="card" id="simulation" aria-labelledby="simulation-h">
      <h2 id="simulation-h">Simulation</h2>
      <div class="stat-grid">
        <div class="stat" data-stat="users">
          Users affected<b>{f.total}</b>
        </div>
        <div class="stat" data-stat="projects">
          Projects covered<b>{f.projects}</b>
        </div>
        <div class="stat" data-stat="compliant">
          Already comply<b>{r.compliant}</b>
        </div>
        <div class="stat" data-stat="non-compliant">
          Must act<b>{r.nonCompliant}</b>
          <span class="muted">{f.nonCompliantReachable} with a verified email</span>
        </div>
      </div>
      <TableScroll label="Phases" data-table="phases">
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">From</th>
            <th scope="col">What happens to those who must act</th>
            <th scope="col">People</th>
            <th scope="col">Emails</th>
          </tr>
        </thead>
        <tbody>
          {r.phases.map((ph) => (
            <tr key={ph.phase} data-phase={ph.phase}>
              <td>
                {ph.phase} {ph.started && <span class="badge warn">starts on saving</span>}
              </td>
              <td>
                <Time ms={ph.at} />
              </td>
              <td>{EFFECTS[ph.phase]}</td>
              <td>{r.nonCompliant}</td>
              <td data-emails={ph.phase}>{emailsOf(r, ph.phase)}</td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      {r.simulation.without_verified_email > 0 && (
        <p class="muted" data-unreachable>
          {r.simulation.without_verified_email} of those who must act have no verified email: they get no
          mail, only the banner and the refusals.
        </p>
      )}
      {r.simulation.mail.warn && <p class="muted">Warn phase emails: {r.simulation.mail.warn.basis}.</p>}
      {r.simulation.staging && <StagingReplayTable staging={r.simulation.staging} />}
      {r.simulation.criticality.length > 0 && (
        <>
          <h3>Critical cohort at the next ranking</h3>
          <TableScroll label="Critical cohort at the next ranking" data-table="criticality-simulation">
            <thead>
              <tr>
                <th scope="col">Ecosystem</th>
                <th scope="col">Rule</th>
                <th scope="col">Projects (new)</th>
                <th scope="col">Most downloaded</th>
                <th scope="col">Designations ended</th>
              </tr>
            </thead>
            <tbody>
              {r.simulation.criticality.map((s) => (
                <tr key={s.ecosystem} data-ecosystem={s.ecosystem}>
                  <td>{s.ecosystem}</td>
                  <td>{s.rule}</td>
                  <td>
                    {s.cohort_size} ({s.cohort_new})
                  </td>
                  <td>{s.top_projects.length ? s.top_projects[0]?.name : "—"}</td>
                  <td>{s.removed.length}</td>
                </tr>
              ))}
            </tbody>
          </TableScroll>
        </>
      )}
    </section>
  );
}

/** Issue 16 item 6: the past releases the staging requirement would have held for approval. */
function StagingReplayTable(p: { staging: NonNullable<SimulationResult["staging"]> }) {
  const s = p.staging;
  return (
    <>
      <h3 id="staging-h">Releases that would have waited for approval</h3>
      <p data-staging-total>
        <b>{s.total}</b> release{s.total === 1 ? "" : "s"} of the last {s.window_days} days ({s.window.from}{" "}
        to {s.window.to}) would have been staged until a maintainer approved{" "}
        {s.requirement === "phishing-resistant" ? "with a security key or passkey" : "with a second factor"}.
      </p>
      <TableScroll label="Releases that would have waited for approval" data-table="staging-simulation">
        <thead>
          <tr>
            <th scope="col">Ecosystem</th>
            <th scope="col">Would wait</th>
            <th scope="col">By API token</th>
            <th scope="col">By trusted publisher</th>
            <th scope="col">With a second factor</th>
            <th scope="col">Projects</th>
          </tr>
        </thead>
        <tbody>
          {s.by_ecosystem.map((e) => (
            <tr key={e.ecosystem} data-ecosystem={e.ecosystem}>
              <td>{e.ecosystem}</td>
              <td data-would-stage>
                {e.would_stage} of {e.releases}
              </td>
              <td>{e.by_token}</td>
              <td>{e.by_trusted_publisher}</td>
              <td>{e.interactive}</td>
              <td>{e.projects}</td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      <p class="muted">Counted from {s.basis}.</p>
    </>
  );
}
