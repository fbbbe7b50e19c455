import type { User } from "../accounts/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { AppError } from "../lib/errors.js";
import { bumpSerial, type Project, recordProjectEvent } from "../packages/index.js";
import { decide } from "./decide.js";

export type Requirement = "none" | "any" | "phishing-resistant";

/**
 * An owner requires MFA (or phishing-resistant MFA) of everyone who publishes the project: takes
 * effect at once, for every surface, through decide(). npm's `access set mfa=publish` counts too.
 */
export async function setMfaRequirement(
  deps: Pick<Deps, "db" | "clock" | "changes"> & { config: Pick<Deps["config"], "origin"> },
  ctx: EventContext,
  user: User,
  project: Project,
  value: string,
): Promise<void> {
  if (value !== "none" && value !== "any" && value !== "phishing-resistant") {
    throw new AppError(
      400,
      "REQUIREMENT_INVALID",
      "Choose none, two-factor authentication, or a security key or passkey.",
      "requirement",
    );
  }
  const d = await decide(
    deps.db,
    deps.config.origin,
    { userId: user.id, emailVerified: user.emailVerified },
    "manage-settings",
    project,
    deps.clock.now(),
  );
  if (!d.allow) throw new AppError(d.status, d.code, d.reason);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await tx.updateTable("projects").set({ mfa_requirement: value }).where("id", "=", project.id).execute();
    await bumpSerial(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "project.mfa_requirement",
      projectId: project.id,
      projectName: project.name,
      actorId: user.id,
      data: { requirement: value },
    });
  });
  await deps.changes.publish(project.id);
}

export async function getMfaRequirement(deps: Pick<Deps, "db">, projectId: string): Promise<Requirement> {
  const r = await deps.db
    .selectFrom("projects")
    .select("mfa_requirement")
    .where("id", "=", projectId)
    .executeTakeFirst();
  return (r?.mfa_requirement ?? "none") as Requirement;
}
