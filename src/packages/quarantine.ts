import type { DbExecutor } from "../db/index.js";
import { ecosystemFor } from "../ecosystems/index.js";
import { newId } from "../lib/ids.js";
import { queueNotification } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";
import type { Ecosystem } from "./projects.js";

/** Why a project entered quarantine: held at creation as a look-alike, or an operator's decision. */
export type QuarantineKind = "typosquat" | "manual";

export interface QuarantineCase {
  id: string;
  projectId: string;
  ecosystem: string;
  projectName: string;
  kind: QuarantineKind;
  similarTo: string | null;
  reason: string;
  openedBy: string;
  openedAt: number;
}

/**
 * Puts a project in quarantine and opens the case the console queue shows, in the caller's transaction.
 * Files and rows stay (for inspection); every read surface hides the project while `quarantined_at` is
 * set, and authz refuses its owners' writes.
 */
export async function openQuarantine(
  tx: DbExecutor,
  now: number,
  c: { projectId: string; kind: QuarantineKind; similarTo?: string | null; reason: string; openedBy: string },
): Promise<void> {
  await tx
    .updateTable("projects")
    .set({ quarantined_at: now, quarantine_reason: c.reason })
    .where("id", "=", c.projectId)
    .execute();
  await tx
    .insertInto("quarantine_cases")
    .values({
      id: newId(now),
      project_id: c.projectId,
      kind: c.kind,
      similar_to: c.similarTo ?? null,
      reason: c.reason,
      opened_by: c.openedBy,
      opened_at: now,
    })
    .execute();
}

/**
 * Closes every open case of a project: `released` lifts the quarantine (everything is served again),
 * `rejected` keeps it (the name stays taken and the files stay for inspection). Returns how many closed.
 */
export async function closeQuarantine(
  tx: DbExecutor,
  now: number,
  c: { projectId: string; outcome: "released" | "rejected"; closedBy: string; reason: string },
): Promise<number> {
  const r = await tx
    .updateTable("quarantine_cases")
    .set({ state: c.outcome, closed_by: c.closedBy, closed_at: now, close_reason: c.reason })
    .where("project_id", "=", c.projectId)
    .where("state", "=", "open")
    .executeTakeFirst();
  if (c.outcome === "released") {
    await tx
      .updateTable("projects")
      .set({ quarantined_at: null, quarantine_reason: null })
      .where("id", "=", c.projectId)
      .execute();
  }
  return Number(r.numUpdatedRows);
}

/** The open cases, oldest first (the queue operators work through). */
export async function listOpenQuarantines(db: DbExecutor, limit = 500): Promise<QuarantineCase[]> {
  const rows = await db
    .selectFrom("quarantine_cases as c")
    .innerJoin("projects as p", "p.id", "c.project_id")
    .select([
      "c.id",
      "c.project_id",
      "p.ecosystem",
      "p.name",
      "c.kind",
      "c.similar_to",
      "c.reason",
      "c.opened_by",
      "c.opened_at",
    ])
    .where("c.state", "=", "open")
    .orderBy("c.opened_at")
    .orderBy("c.id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    ecosystem: r.ecosystem,
    projectName: r.name,
    kind: r.kind as QuarantineKind,
    similarTo: r.similar_to,
    reason: r.reason,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
  }));
}

/**
 * Tells the owners of the protected project that a look-alike of it is held (issue 18 item 4), in the
 * transaction that holds it: the mail commits with the hold or not at all, so a retried upload never
 * mails twice (the project is created once). Owners with a verified address only; a protected name
 * known only from imported statistics has no project here, and nobody to tell.
 */
export async function tellOwnersOfHeldLookalike(
  tx: DbExecutor,
  now: number,
  held: { ecosystem: Ecosystem; lookalike: string; similarTo: string; why: string },
): Promise<number> {
  const owners = await tx
    .selectFrom("projects as p")
    .innerJoin("roles as r", "r.project_id", "p.id")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["u.id", "u.username", "u.email", "p.name"])
    .where("p.ecosystem", "=", held.ecosystem)
    .where("p.normalized_name", "=", ecosystemFor(held.ecosystem).normalizeName(held.similarTo))
    .where("r.role", "=", "owner")
    .where("u.email_verified_at", "is not", null)
    .orderBy("u.username")
    .execute();
  for (const o of owners)
    await queueNotification(tx, now, o.id, {
      to: o.email,
      template: mails.lookalikeHeld,
      vars: { username: o.username, project: o.name, lookalike: held.lookalike, why: held.why },
    });
  return owners.length;
}
