import type { Phase } from "../../mandates/index.js";
import { Time } from "../../web/index.js";
import type { MandatePreview } from "../mandate-form.js";

const EFFECTS: Record<Exclude<Phase, "scheduled">, string> = {
  notice: "One email and a banner for each of them",
  warn: "A banner on every page and a warning with every publish",
  enforce: "Publishing, adding people and creating tokens refused until they comply",
};

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
      <table data-table="phases">
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">From</th>
            <th scope="col">What happens to those who must act</th>
            <th scope="col">People</th>
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
            </tr>
          ))}
        </tbody>
      </table>
      {r.simulations.length > 0 && (
        <>
          <h3>Critical cohort at the next ranking</h3>
          <table data-table="criticality-simulation">
            <thead>
              <tr>
                <th scope="col">Ecosystem</th>
                <th scope="col">Rule</th>
                <th scope="col">Projects (new)</th>
                <th scope="col">Maintainers</th>
                <th scope="col">With any · with a key</th>
                <th scope="col">Must act</th>
              </tr>
            </thead>
            <tbody>
              {r.simulations.map((s) => (
                <tr key={s.ecosystem} data-ecosystem={s.ecosystem}>
                  <td>{s.ecosystem}</td>
                  <td>{s.rule}</td>
                  <td>
                    {s.cohort_size} ({s.cohort_new})
                  </td>
                  <td>{s.maintainers}</td>
                  <td>
                    {s.compliant_any} · {s.compliant_phishing_resistant}
                  </td>
                  <td>{s.non_compliant}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
