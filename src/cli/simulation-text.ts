import type { SimulationResult } from "../mandates/index.js";
import { fmt } from "./stats.js";

/** Designations listed with their reasons in the text output. */
const SHOWN = 50;

/** `wharf policy simulate` and `wharf policy mandate simulate` print the one simulation alike. */
export function describeSimulation(s: SimulationResult): string {
  const pct = (n: number) => (s.maintainers ? ` (${((100 * n) / s.maintainers).toFixed(1)}%)` : "");
  const lines = [
    `Simulation: cohort ${s.cohort} in ${s.ecosystems.join(" and ")}; required: ${s.strength === "any" ? "any two-factor method" : "a security key or passkey"}`,
  ];
  for (const c of s.criticality) {
    lines.push(
      `  ${c.ecosystem}: ${c.rule}${c.sticky ? ", keeping today's designations" : ""} (window ${c.window.first}..${c.window.last})`,
      `    critical: ${fmt(c.cohort_size)} projects (${fmt(c.cohort_new)} newly designated; ${fmt(c.cohort_unhosted)} selected projects not hosted here)${c.cutoff_downloads !== null ? `, at least ${fmt(c.cutoff_downloads)} downloads` : ""}`,
    );
    if (c.cutoff_dependents !== null)
      lines.push(
        `    dependents: ${fmt(c.dependents_population)} projects have dependents; selected: at least ${fmt(c.cutoff_dependents)}`,
      );
    const b = c.by_clause;
    lines.push(
      `    why: ${fmt(b.downloads)} by downloads only, ${fmt(b.dependents)} by dependents only, ${fmt(b.both)} by both, ${fmt(b.kept)} kept (sticky), ${fmt(b.manual)} by an admin`,
    );
    for (const d of c.designations.slice(0, SHOWN))
      lines.push(`      ${d.name}${d.new ? " (new)" : ""}: ${d.reasons.join("; and ") || "—"}`);
    const more = c.designations.length - Math.min(SHOWN, c.designations.length) + c.designations_more;
    if (more > 0) lines.push(`      ... and ${fmt(more)} more (--json lists up to 1,000 with their reasons)`);
    if (c.removed.length)
      lines.push(
        `    designations that would end: ${fmt(c.removed.length)}: ${c.removed
          .slice(0, 10)
          .map((p) => `${p.name} (${fmt(p.downloads)})`)
          .join(", ")}${c.removed.length > 10 ? ", ..." : ""}`,
      );
  }
  lines.push(
    `  covered: ${fmt(s.projects)} projects; maintainers: ${fmt(s.maintainers)}; with two-factor ${fmt(s.compliant_any)}${pct(s.compliant_any)}; with a security key or passkey ${fmt(s.compliant_phishing_resistant)}${pct(s.compliant_phishing_resistant)}`,
    `  must act: ${fmt(s.non_compliant)}${pct(s.non_compliant)}, of whom ${fmt(s.without_verified_email)} without a verified email (no mail: banner and refusals only)`,
  );
  const m = s.mail;
  if (m.notice) lines.push(`  notice: ${fmt(m.notice.reachable)} email(s), one per person who must act`);
  if (m.warn)
    lines.push(
      `  warn: about ${fmt(m.warn.estimate)} email(s) to ${fmt(m.warn.uploaders)} uploader(s) — ${m.warn.basis}`,
    );
  if (m.enforce)
    lines.push(
      `  enforce: ${fmt(m.enforce.reachable)} email(s) when enforcement starts, one per person still not compliant`,
    );
  const st = s.staging;
  if (st) {
    lines.push(
      `  staging (${st.requirement === "any" ? "approval with any second factor" : "approval with a security key or passkey"}): ${fmt(st.total)} release(s) of the last ${fmt(st.window_days)} days (${st.window.from}..${st.window.to}) would have waited for approval`,
    );
    for (const e of st.by_ecosystem)
      lines.push(
        `    ${e.ecosystem}: ${fmt(e.would_stage)} of ${fmt(e.releases)} release(s) in ${fmt(e.projects)} project(s): ${fmt(e.by_token)} by API token, ${fmt(e.by_trusted_publisher)} by trusted publisher; ${fmt(e.interactive)} published with a second factor`,
      );
    lines.push(`    basis: ${st.basis}`);
  }
  return lines.join("\n");
}
