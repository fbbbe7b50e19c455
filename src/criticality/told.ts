import type { DbExecutor } from "../db/index.js";
import { DAY } from "../lib/clock.js";
import type { HostedProject } from "./plan.js";

/*
 * Which designation changes a maintainer is told about (issue 13 item 6: "flapping a rule re-mails
 * hundreds of people"). The rule:
 *  - a person is mailed about a project's designation only when it differs from what they were last
 *    told about that project (criticality_told), and
 *  - not within FLAP_QUIET (30 days) of the previous mail about that project. A change reverted within
 *    those 30 days (critical → not → critical) is never mailed: what they were told is true again. A
 *    change that lasts is mailed by the first daily run after the 30 days (the catch-up below).
 * An admin's deliberate change (manual.ts) is mailed at once and recorded here too.
 */
export const FLAP_QUIET = 30 * DAY;

/** One project whose designation a person is to be told about. */
export interface Tell {
  userId: string;
  projectId: string;
  name: string;
  critical: boolean;
  downloads: number;
  /** A deferred change being caught up on (not one of this run's own changes). */
  catchUp: boolean;
}

/**
 * The mail-worthy (person, project) pairs of one ecosystem's run: this run's additions and removals,
 * less flapping, plus deferred changes now due. Reads only: used by the job (then recordTold) and by
 * the dry run of `wharf policy rule set`.
 */
export async function designationsToTell(
  db: DbExecutor,
  ecosystem: string,
  added: HostedProject[],
  removed: HostedProject[],
  people: Map<string, string[]>,
  now: number,
): Promise<Tell[]> {
  const candidates: Tell[] = [];
  for (const [list, critical] of [
    [added, true],
    [removed, false],
  ] as const)
    for (const p of list)
      for (const userId of people.get(p.id) ?? [])
        candidates.push({
          userId,
          projectId: p.id,
          name: p.name,
          critical,
          downloads: p.downloads,
          catchUp: false,
        });
  const told = new Map<string, { critical: number; told_at: number }>();
  const ids = [...added, ...removed].map((p) => p.id);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom("criticality_told")
      .select(["user_id", "project_id", "critical", "told_at"])
      .where("project_id", "in", ids.slice(i, i + 500))
      .execute();
    for (const r of rows) told.set(`${r.user_id} ${r.project_id}`, r);
  }
  const out = candidates.filter((c) => {
    const t = told.get(`${c.userId} ${c.projectId}`);
    if (!t) return true;
    if ((t.critical === 1) === c.critical) return false;
    return now - t.told_at >= FLAP_QUIET;
  });
  // Deferred changes: what a person was told differs from today's designation, long enough ago.
  const changed = new Set(ids);
  const due = await db
    .selectFrom("criticality_told as t")
    .innerJoin("projects as p", "p.id", "t.project_id")
    .innerJoin("roles as r", (j) =>
      j.onRef("r.project_id", "=", "t.project_id").onRef("r.user_id", "=", "t.user_id"),
    )
    .select(["t.user_id", "t.project_id", "t.critical", "p.name", "p.critical_since"])
    .where("p.ecosystem", "=", ecosystem)
    .where("t.told_at", "<=", now - FLAP_QUIET)
    .where((eb) =>
      eb.or([
        eb.and([eb("t.critical", "=", 1), eb("p.critical_since", "is", null)]),
        eb.and([eb("t.critical", "=", 0), eb("p.critical_since", "is not", null)]),
      ]),
    )
    .execute();
  for (const d of due)
    if (!changed.has(d.project_id))
      out.push({
        userId: d.user_id,
        projectId: d.project_id,
        name: d.name,
        critical: d.critical_since !== null,
        downloads: 0,
        catchUp: true,
      });
  return out;
}

/** Records what each person was just told (in the transaction that queues the mail). */
export async function recordTold(
  db: DbExecutor,
  told: { userId: string; projectId: string; critical: boolean }[],
  now: number,
): Promise<void> {
  for (const t of told) {
    const row = { critical: t.critical ? 1 : 0, told_at: now };
    await db
      .insertInto("criticality_told")
      .values({ user_id: t.userId, project_id: t.projectId, ...row })
      .onConflict((oc) => oc.columns(["user_id", "project_id"]).doUpdateSet(row))
      .execute();
  }
}
