import type { ComputeReport, RunPreview } from "../criticality/index.js";
import { fmt } from "./stats.js";

/* What `wharf policy compute` and `rule set --dry-run` print. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function describeCompute(r: ComputeReport): string {
  return [
    `${r.ecosystem}: ${r.rule}${r.sticky ? " (sticky)" : ""}`,
    `  window ${r.window.first}..${r.window.last}; ${fmt(r.population)} projects with downloads; ${fmt(r.selected)} selected${r.cutoffDownloads !== null ? ` (at least ${fmt(r.cutoffDownloads)} downloads)` : ""}${r.unhosted ? `, ${fmt(r.unhosted)} of them not hosted here` : ""}`,
    ...(r.cutoffDependents !== null
      ? [
          `  ${fmt(r.dependentsPopulation)} projects with dependents; the dependents clause selects those with at least ${fmt(r.cutoffDependents)}`,
        ]
      : []),
    `  critical now: ${fmt(r.critical)} (+${fmt(r.added.length)} new, -${fmt(r.removed.length)} removed); ${fmt(r.queued)} email(s) to send`,
    `  took ${secs(r.timings.plan + r.timings.apply)} (ranking ${secs(r.timings.plan)}, writes ${secs(r.timings.apply)})`,
  ].join("\n");
}

export function describePreview(p: RunPreview): string {
  const names = (list: { name: string }[]) =>
    list.length
      ? `: ${list
          .slice(0, 10)
          .map((x) => x.name)
          .join(", ")}${list.length > 10 ? ", ..." : ""}`
      : "";
  return [
    `  would designate ${fmt(p.plan.add.length)} project(s)${names(p.plan.add)}`,
    `  would end ${fmt(p.plan.remove.length)} designation(s)${names(p.plan.remove)}`,
    `  critical afterwards: ${fmt(p.plan.critical.length)}; emails to maintainers: ${fmt(p.mails)} (one per person; changes reverted within 30 days are not mailed)`,
  ].join("\n");
}
