import { isUniqueViolation, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { Ecosystem } from "../packages/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import { requireReason } from "./errors.js";
import { normalizeProjectName, parseEcosystem } from "./projects.js";

export interface ProhibitedName {
  ecosystem: Ecosystem;
  name: string;
  reason: string;
  createdBy: string;
  createdAt: number;
  /** A project already had the name when it was prohibited (or since): it is not affected. */
  projectExists: boolean;
}

/** Every prohibited name (an operator's list: dozens, not millions), by ecosystem and name. */
export async function listProhibited(deps: Pick<Deps, "db">): Promise<ProhibitedName[]> {
  const rows = await deps.db
    .selectFrom("prohibited_names")
    .leftJoin("projects", (j) =>
      j
        .onRef("projects.ecosystem", "=", "prohibited_names.ecosystem")
        .onRef("projects.normalized_name", "=", "prohibited_names.normalized_name"),
    )
    .select([
      "prohibited_names.ecosystem",
      "prohibited_names.normalized_name",
      "prohibited_names.reason",
      "prohibited_names.created_by",
      "prohibited_names.created_at",
      "projects.id as project_id",
    ])
    .orderBy("prohibited_names.ecosystem")
    .orderBy("prohibited_names.normalized_name")
    .limit(5000)
    .execute();
  return rows.map((r) => ({
    ecosystem: r.ecosystem as Ecosystem,
    name: r.normalized_name,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    projectExists: r.project_id !== null,
  }));
}

/**
 * Nobody may create a project with this name from now on (packages/publish refuses it). A project that
 * already has the name keeps it: taking a name from its maintainers is a different, bigger decision.
 */
export async function prohibitName(
  deps: Deps,
  actor: AuditActor,
  rawEcosystem: string,
  rawName: string,
  rawReason: string,
): Promise<{ ecosystem: Ecosystem; name: string; projectExists: boolean }> {
  const ecosystem = parseEcosystem(rawEcosystem);
  const name = normalizeProjectName(ecosystem, rawName);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  try {
    return await transaction(deps.db, async (tx) => {
      const taken = await tx
        .selectFrom("prohibited_names")
        .select("normalized_name")
        .where("ecosystem", "=", ecosystem)
        .where("normalized_name", "=", name)
        .executeTakeFirst();
      if (taken) throw consoleErrors.ALREADY_PROHIBITED();
      await tx
        .insertInto("prohibited_names")
        .values({ ecosystem, normalized_name: name, reason, created_by: actor.name, created_at: now })
        .execute();
      const project = await tx
        .selectFrom("projects")
        .select("id")
        .where("ecosystem", "=", ecosystem)
        .where("normalized_name", "=", name)
        .executeTakeFirst();
      await recordAudit(tx, now, actor, {
        action: "name.prohibit",
        targetType: "name",
        target: `${ecosystem}/${name}`,
        reason,
        data: { projectExists: Boolean(project) },
      });
      return { ecosystem, name, projectExists: Boolean(project) };
    });
  } catch (e) {
    // Two admins prohibiting the same name at once: the primary key lets one win.
    if (isUniqueViolation(e)) throw consoleErrors.ALREADY_PROHIBITED();
    throw e;
  }
}

/** Lifts a prohibition: the name can be created again. */
export async function allowName(
  deps: Deps,
  actor: AuditActor,
  rawEcosystem: string,
  name: string,
  rawReason: string,
): Promise<void> {
  const ecosystem = parseEcosystem(rawEcosystem);
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const r = await tx
      .deleteFrom("prohibited_names")
      .where("ecosystem", "=", ecosystem)
      .where("normalized_name", "=", name.slice(0, 300))
      .executeTakeFirst();
    if (r.numDeletedRows !== 1n) throw consoleErrors.NOT_PROHIBITED();
    await recordAudit(tx, now, actor, {
      action: "name.allow",
      targetType: "name",
      target: `${ecosystem}/${name}`,
      reason,
    });
  });
}
