import { type DbExecutor, isUniqueViolation, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { Ecosystem } from "../packages/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import { requireReason } from "./errors.js";
import { normalizeProjectName, parseEcosystem } from "./projects.js";

/**
 * Operator overrides of the look-alike rule (packages/projects.ts findLookalike). The rule refuses a
 * new name that ultranormalizes to an existing project's for everyone, owners included (issue 13 item
 * 8); registries migrated here hold historic pairs (`djangorestframework` / `django-rest-framework`), so
 * an operator may allow one exact name in one ecosystem, with a reason, in the audit log. The allowance
 * covers that name only: its other look-alikes stay refused.
 */
export interface LookalikeAllowance {
  ecosystem: Ecosystem;
  name: string;
  reason: string;
  createdBy: string;
  createdAt: number;
}

/** Every allowance (an operator's list: dozens at most), by ecosystem and name. */
export async function listLookalikeAllowances(deps: Pick<Deps, "db">): Promise<LookalikeAllowance[]> {
  const rows = await deps.db
    .selectFrom("lookalike_allowances")
    .selectAll()
    .orderBy("ecosystem")
    .orderBy("normalized_name")
    .limit(5000)
    .execute();
  return rows.map((r) => ({
    ecosystem: r.ecosystem as Ecosystem,
    name: r.normalized_name,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/**
 * The allowance and its audit row, in the caller's transaction (the quarantine queue's release offers
 * "also allow this look-alike" in the same change). A normalized name; refuses a second allowance.
 */
export async function insertAllowance(
  tx: DbExecutor,
  now: number,
  actor: AuditActor,
  ecosystem: Ecosystem,
  name: string,
  reason: string,
): Promise<void> {
  const taken = await tx
    .selectFrom("lookalike_allowances")
    .select("normalized_name")
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "=", name)
    .executeTakeFirst();
  if (taken) throw consoleErrors.ALREADY_LOOKALIKE_ALLOWED();
  await tx
    .insertInto("lookalike_allowances")
    .values({ ecosystem, normalized_name: name, reason, created_by: actor.name, created_at: now })
    .execute();
  await recordAudit(tx, now, actor, {
    action: "name.allow-lookalike",
    targetType: "name",
    target: `${ecosystem}/${name}`,
    reason,
  });
}

/** This exact name may be created in this ecosystem although another project's name looks like it. */
export async function allowLookalike(
  deps: Pick<Deps, "db" | "clock">,
  actor: AuditActor,
  rawEcosystem: string,
  rawName: string,
  rawReason: string,
): Promise<{ ecosystem: Ecosystem; name: string }> {
  const ecosystem = parseEcosystem(rawEcosystem);
  const name = normalizeProjectName(ecosystem, rawName);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  try {
    return await transaction(deps.db, async (tx) => {
      await insertAllowance(tx, now, actor, ecosystem, name, reason);
      return { ecosystem, name };
    });
  } catch (e) {
    // Two operators allowing the same name at once: the primary key lets one win.
    if (isUniqueViolation(e)) throw consoleErrors.ALREADY_LOOKALIKE_ALLOWED();
    throw e;
  }
}

/** Withdraws an allowance: new creations of the name are refused again; a project made meanwhile stays. */
export async function revokeLookalike(
  deps: Pick<Deps, "db" | "clock">,
  actor: AuditActor,
  rawEcosystem: string,
  rawName: string,
  rawReason: string,
): Promise<{ ecosystem: Ecosystem; name: string }> {
  const ecosystem = parseEcosystem(rawEcosystem);
  const name = normalizeProjectName(ecosystem, rawName);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const r = await tx
      .deleteFrom("lookalike_allowances")
      .where("ecosystem", "=", ecosystem)
      .where("normalized_name", "=", name)
      .executeTakeFirst();
    if (r.numDeletedRows !== 1n) throw consoleErrors.NOT_LOOKALIKE_ALLOWED();
    await recordAudit(tx, now, actor, {
      action: "name.revoke-lookalike",
      targetType: "name",
      target: `${ecosystem}/${name}`,
      reason,
    });
  });
  return { ecosystem, name };
}
