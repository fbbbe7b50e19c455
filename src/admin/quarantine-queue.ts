import type { Deps } from "../deps.js";
import { type Ecosystem, listOpenQuarantines, type QuarantineKind } from "../packages/index.js";
import { listOpenReports, type OpenReport } from "../reports/index.js";

/** Why a project is in the queue: held at creation, quarantined by an operator, or reported by users. */
export type QueueKind = QuarantineKind | "report";

/** One project waiting for an operator's decision. */
export interface QueueEntry {
  projectId: string;
  ecosystem: Ecosystem;
  projectName: string;
  kind: QueueKind;
  /** Hidden from installers now (every kind but "report"). */
  quarantined: boolean;
  similarTo: string | null;
  reason: string;
  openedBy: string;
  openedAt: number;
  /** Its open malware reports, oldest first (operators read them before deciding). */
  reports: OpenReport[];
}

/**
 * The console's queue, oldest first: every open quarantine case, then every project with open malware
 * reports and no open case (reported, still served: the operator quarantines it or dismisses the
 * reports). Bounded: 500 cases and 2,000 reports, far past what a person works through in a sitting.
 */
export async function quarantineQueue(deps: Pick<Deps, "db">): Promise<QueueEntry[]> {
  const [cases, reports] = await Promise.all([listOpenQuarantines(deps.db), listOpenReports(deps.db)]);
  const byProject = new Map<string, OpenReport[]>();
  for (const r of reports) byProject.set(r.projectId, [...(byProject.get(r.projectId) ?? []), r]);
  const entries: QueueEntry[] = cases.map((c) => ({
    projectId: c.projectId,
    ecosystem: c.ecosystem as Ecosystem,
    projectName: c.projectName,
    kind: c.kind,
    quarantined: true,
    similarTo: c.similarTo,
    reason: c.reason,
    openedBy: c.openedBy,
    openedAt: c.openedAt,
    reports: byProject.get(c.projectId) ?? [],
  }));
  const held = new Set(cases.map((c) => c.projectId));
  const reportedOnly = [...byProject.keys()].filter((id) => !held.has(id));
  if (reportedOnly.length) {
    const projects = await deps.db
      .selectFrom("projects")
      .select(["id", "ecosystem", "name", "quarantined_at"])
      .where("id", "in", reportedOnly)
      .execute();
    for (const p of projects) {
      const list = byProject.get(p.id) ?? [];
      const first = list[0];
      if (!first) continue;
      entries.push({
        projectId: p.id,
        ecosystem: p.ecosystem as Ecosystem,
        projectName: p.name,
        kind: "report",
        quarantined: p.quarantined_at !== null,
        similarTo: null,
        reason: summary(list),
        openedBy: first.reporter,
        openedAt: first.createdAt,
        reports: list,
      });
    }
  }
  return entries.sort((a, b) => a.openedAt - b.openedAt || (a.projectName < b.projectName ? -1 : 1));
}

/** "3 reports: malware ×2, spam" — what the row says before its reports are opened. */
function summary(list: OpenReport[]): string {
  const counts = new Map<string, number>();
  for (const r of list) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
  const parts = [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c));
  return `${list.length} report${list.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
