import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { closeQuarantine, openQuarantine, type Project } from "../packages/index.js";
import { closeReports } from "../reports/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import { requireReason } from "./errors.js";
import { insertAllowance } from "./lookalikes.js";
import { findProjectAdmin } from "./projects.js";

/**
 * Quarantine as an operator action (issue 18 items 2-3), for the console and `wharf project ...`:
 * quarantine any project, and close the queue's cases by releasing (everything served again) or
 * rejecting (stays quarantined: the name stays taken and the files stay for inspection). Each action
 * is audited in the transaction that makes it, and drops the cached pages of the project.
 */
export type QuarantineOutcome = "quarantined" | "released" | "rejected";

const target = (p: Project) => `${p.ecosystem}/${p.name}`;

export async function quarantineProject(
  deps: Pick<Deps, "db" | "clock" | "changes">,
  actor: AuditActor,
  ecosystem: string,
  name: string,
  rawReason: string,
): Promise<Project> {
  const reason = requireReason(rawReason);
  const project = await findProjectAdmin(deps, ecosystem, name);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const row = await tx
      .selectFrom("projects")
      .select("quarantined_at")
      .where("id", "=", project.id)
      .executeTakeFirst();
    if (row?.quarantined_at) throw consoleErrors.ALREADY_QUARANTINED();
    await openQuarantine(tx, now, { projectId: project.id, kind: "manual", reason, openedBy: actor.name });
    await recordAudit(tx, now, actor, {
      action: "project.quarantine",
      targetType: "project",
      target: target(project),
      reason,
    });
  });
  await deps.changes.publish(project.id);
  return project;
}

/**
 * Closes a project's open cases: release lifts the quarantine, reject keeps it. Its open malware reports
 * close with the same outcome. `allowLookalike` (a release of a held look-alike) also allows the exact
 * name, audited, in the same transaction, so the pair is not held again (e.g. after a re-creation).
 */
export async function closeProjectQuarantine(
  deps: Pick<Deps, "db" | "clock" | "changes">,
  actor: AuditActor,
  ecosystem: string,
  name: string,
  outcome: "released" | "rejected",
  rawReason: string,
  opts: { allowLookalike?: boolean } = {},
): Promise<Project> {
  const reason = requireReason(rawReason);
  const project = await findProjectAdmin(deps, ecosystem, name);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const row = await tx
      .selectFrom("projects")
      .select("quarantined_at")
      .where("id", "=", project.id)
      .executeTakeFirst();
    if (!row?.quarantined_at) throw consoleErrors.NOT_QUARANTINED();
    const closed = await closeQuarantine(tx, now, {
      projectId: project.id,
      outcome,
      closedBy: actor.name,
      reason,
    });
    // Rejecting twice is a mistake to report; releasing a quarantine with no open case is still a release.
    if (outcome === "rejected" && closed === 0) throw consoleErrors.NOT_QUARANTINED();
    await closeReports(tx, now, { projectId: project.id, outcome, closedBy: actor.name, reason });
    if (opts.allowLookalike && outcome === "released") {
      const allowed = await tx
        .selectFrom("lookalike_allowances")
        .select("normalized_name")
        .where("ecosystem", "=", project.ecosystem)
        .where("normalized_name", "=", project.normalizedName)
        .executeTakeFirst();
      if (!allowed) await insertAllowance(tx, now, actor, project.ecosystem, project.normalizedName, reason);
    }
    await recordAudit(tx, now, actor, {
      action: outcome === "released" ? "project.release" : "project.reject",
      targetType: "project",
      target: target(project),
      reason,
    });
  });
  await deps.changes.publish(project.id);
  return project;
}

/** Closes a project's open malware reports without quarantining it: the operator found nothing. */
export async function dismissReports(
  deps: Pick<Deps, "db" | "clock">,
  actor: AuditActor,
  ecosystem: string,
  name: string,
  rawReason: string,
): Promise<{ project: Project; dismissed: number }> {
  const reason = requireReason(rawReason);
  const project = await findProjectAdmin(deps, ecosystem, name);
  const now = deps.clock.now();
  const dismissed = await transaction(deps.db, async (tx) => {
    const n = await closeReports(tx, now, {
      projectId: project.id,
      outcome: "dismissed",
      closedBy: actor.name,
      reason,
    });
    if (n === 0) throw consoleErrors.NO_OPEN_REPORTS();
    await recordAudit(tx, now, actor, {
      action: "project.dismiss-reports",
      targetType: "project",
      target: target(project),
      reason,
      data: { reports: n },
    });
    return n;
  });
  return { project, dismissed };
}
