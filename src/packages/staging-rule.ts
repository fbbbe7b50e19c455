import type { Grant } from "../authz/index.js";
import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { queueNotification } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { mailableOwners } from "./roles.js";

/**
 * The owners' "stage uploads" rule (issue 16 item 6, projects.stage_requirement): publishes made
 * without an interactive second factor (API tokens, trusted publishers) wait as staged releases until a
 * maintainer approves them with a second factor (`any`), or with a security key or passkey only
 * (`phishing-resistant`). authz/verdict.ts reads it with the mandates; the stricter of the two wins.
 */
export type StageLevel = "none" | "any" | "phishing-resistant";

export function parseStageLevel(value: string): StageLevel {
  if (value === "none" || value === "any" || value === "phishing-resistant") return value;
  throw packageErrors.STAGE_RULE_INVALID();
}

export async function stageRequirementOf(db: DbExecutor, projectId: string): Promise<StageLevel> {
  const r = await db
    .selectFrom("projects")
    .select("stage_requirement")
    .where("id", "=", projectId)
    .executeTakeFirst();
  const level = r?.stage_requirement;
  return level === "any" || level === "phishing-resistant" ? level : "none";
}

const DESCRIBED: Record<StageLevel, string> = {
  none: "publish directly",
  any: "wait for a maintainer's approval with a second factor",
  "phishing-resistant": "wait for a maintainer's approval with a security key or passkey",
};

type RuleDeps = Pick<Deps, "db" | "clock" | "changes">;

/**
 * Sets the rule, a security setting like the MFA requirement: one transaction writes it, the project
 * event ("old → new" in the history) and a mail to every owner, so a rule lowered by someone who
 * briefly held an owner's session does not go unnoticed. Saving the same rule again changes nothing.
 */
export async function setStageRequirement(
  deps: RuleDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  value: string,
  /** Who changed it, and the project's manage page (from the origin) for the owners' mail. */
  by: { username: string; managePath: string },
): Promise<{ level: StageLevel; changed: boolean }> {
  const actor = grant.require("manage-settings", project.id).actor;
  const level = parseStageLevel(value);
  const now = deps.clock.now();
  const changed = await transaction(deps.db, async (tx) => {
    const before = await stageRequirementOf(tx, project.id);
    if (before === level) return false;
    await tx.updateTable("projects").set({ stage_requirement: level }).where("id", "=", project.id).execute();
    await bumpSerial(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "project.stage_requirement",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.userId,
      data: { requirement: level, previous: before },
    });
    const owners = await mailableOwners(tx, project.id);
    for (const o of owners)
      await queueNotification(tx, now, o.id, {
        to: o.email,
        template: mails.stagingRuleChanged,
        vars: {
          username: o.username,
          project: project.name,
          by: by.username,
          rule: DESCRIBED[level],
          previous: DESCRIBED[before],
          managePath: by.managePath,
        },
      });
    return true;
  });
  if (changed) await deps.changes.publish(project.id);
  return { level, changed };
}
