import { type Tx, transaction } from "../db/index.js";
import type { MailMessage } from "../mail/index.js";
import { packageErrors } from "../packages/index.js";
import { lockStats, normalizeProjectName, type StatsEcosystem } from "../stats/index.js";
import { type CriticalityDeps, maintainersOf, projectEvents, usersById } from "./compute.js";
import { criticalityErrors } from "./errors.js";
import { criticalDeadline, criticalMail, notCriticalMail } from "./mail.js";
import { MANUAL } from "./plan.js";
import { deliverPolicyMail, enqueueMail } from "./queue.js";
import { getRule } from "./rules.js";
import { recordTold } from "./told.js";

export interface ManualInput {
  ecosystem: StatsEcosystem;
  name: string;
  reason: string;
  /** The admin who decided; null from the command line (recorded as "cli"). */
  actorId?: string | null;
  /** Rows that must commit with the change (the console's audit entry); called only when it changed. */
  alsoInTransaction?: (tx: Tx, change: { project: string; maintainers: number }) => Promise<void>;
}

export interface ManualResult {
  project: string;
  /** False when the project was already in the requested state (nothing recorded, nobody mailed). */
  changed: boolean;
  /** Maintainers mailed (queued with the change, sent right after it). */
  mailed: number;
}

/**
 * An admin designates a project critical, with a reason: recorded on the project and its
 * maintainers' histories, and the maintainers are told. Overrides an earlier exclusion.
 */
export function designateCritical(deps: CriticalityDeps, input: ManualInput): Promise<ManualResult> {
  return manual(deps, input, "designate");
}

/**
 * An admin removes the designation, with a reason. The removal is an exclusion: the daily job will
 * not designate the project again until an admin designates it (`critical add`).
 */
export function removeCritical(deps: CriticalityDeps, input: ManualInput): Promise<ManualResult> {
  return manual(deps, input, "remove");
}

async function manual(
  deps: CriticalityDeps,
  input: ManualInput,
  change: "designate" | "remove",
): Promise<ManualResult> {
  const reason = input.reason.trim();
  if (!reason || reason.length > 500) throw criticalityErrors.REASON_REQUIRED();
  const normalized = normalizeProjectName(input.ecosystem, input.name);
  const now = deps.clock.now();
  const outcome = await transaction(deps.db, async (tx) => {
    await lockStats(tx, deps.dialect);
    const p = await tx
      .selectFrom("projects")
      .select(["id", "name", "critical_since", "critical_manual"])
      .where("ecosystem", "=", input.ecosystem)
      .where("normalized_name", "=", normalized)
      .executeTakeFirst();
    if (!p) throw packageErrors.PROJECT_NOT_FOUND(`No ${input.ecosystem} project named '${input.name}'.`);
    const target = change === "designate" ? MANUAL.designated : MANUAL.excluded;
    if (p.critical_manual === target) return { p, changed: false, queued: 0 };
    const wasCritical = p.critical_since !== null;
    // Compare-and-swap on the state read above: a racing job run or admin makes this a no-op.
    const r = await tx
      .updateTable("projects")
      .set({
        critical_since: change === "designate" ? (p.critical_since ?? now) : null,
        critical_manual: target,
        critical_reason: reason,
      })
      .where("id", "=", p.id)
      .where("critical_manual", "=", p.critical_manual)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return { p, changed: false, queued: 0 };
    const people = await maintainersOf(tx, [p.id]);
    await input.alsoInTransaction?.(tx, { project: p.name, maintainers: people.get(p.id)?.length ?? 0 });
    await projectEvents(
      tx,
      now,
      change === "designate" ? "project.critical" : "project.not_critical",
      [p],
      people,
      () => ({
        manual: true,
        reason,
        actor: input.actorId ?? "cli",
        ...(change === "remove" ? { excluded: true } : {}),
      }),
    );
    // Mail only when the designation itself changes: a new designation, or the end of one.
    const becomes = change === "designate" && !wasCritical;
    const ends = change === "remove" && wasCritical;
    if (!becomes && !ends) return { p, changed: true, queued: 0 };
    const users = await usersById(tx, people.get(p.id) ?? []);
    const rule = await getRule(tx, input.ecosystem);
    const deadline = becomes ? await criticalDeadline(tx, input.ecosystem) : null;
    const mails: MailMessage[] = [...users.values()].map((user) =>
      becomes
        ? criticalMail({
            siteName: deps.config.siteName,
            origin: deps.config.origin,
            user,
            ecosystem: input.ecosystem,
            projects: [{ name: p.name, why: `designated by the registry's operators: ${reason}` }],
            sticky: rule.sticky,
            deadline,
            now,
          })
        : notCriticalMail({
            siteName: deps.config.siteName,
            origin: deps.config.origin,
            user,
            ecosystem: input.ecosystem,
            project: p.name,
            why: `the registry's operators removed the designation: ${reason}`,
          }),
    );
    await enqueueMail(tx, now, mails);
    // The daily job compares its changes with what people were last told (told.ts).
    await recordTold(
      tx,
      [...users.keys()].map((userId) => ({ userId, projectId: p.id, critical: becomes })),
      now,
    );
    return { p, changed: true, queued: mails.length };
  });
  if (outcome.queued) await deliverPolicyMail(deps);
  return { project: outcome.p.name, changed: outcome.changed, mailed: outcome.queued };
}
