import type { Grant } from "../authz/index.js";
import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { AppError } from "../lib/errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { findRelease } from "./releases.js";

/**
 * A package's own two-factor rule (npm access set mfa=...): `none` leaves it to each maintainer's
 * setting; `publish` requires a second factor on every write, with no exemption for tokens;
 * `automation` requires it from people but lets tokens marked bypass-2FA (CI) through.
 */
export type MfaRequirement = "none" | "publish" | "automation";

type SettingsDeps = Pick<Deps, "db" | "clock" | "changes">;

export async function mfaRequirementOf(db: DbExecutor, projectId: string): Promise<MfaRequirement> {
  const r = await db.selectFrom("projects").select("npm_mfa").where("id", "=", projectId).executeTakeFirst();
  const v = r?.npm_mfa;
  return v === "publish" || v === "automation" ? v : "none";
}

export async function setMfaRequirement(
  deps: SettingsDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  level: MfaRequirement,
): Promise<void> {
  const actor = grant.require("manage-settings", project.id).actor;
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await tx.updateTable("projects").set({ npm_mfa: level }).where("id", "=", project.id).execute();
    await bumpSerial(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "project.mfa_requirement_changed",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.userId,
      data: { level },
    });
  });
  await deps.changes.publish(project.id);
}

/**
 * Deprecation (npm deprecate): the version stays installable and clients print the message. It is
 * kept in the release's metadata under `deprecated`; the rest of the metadata never changes.
 */
export async function setDeprecations(
  deps: SettingsDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  changes: Array<{ version: string; message: string }>,
): Promise<void> {
  const actor = grant.require("deprecate", project.id).actor;
  if (changes.length === 0) return;
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    for (const c of changes) {
      const release = await findRelease(tx, project.id, c.version);
      if (!release) continue;
      const { deprecated: _old, ...rest } = release.metadata;
      const metadata = c.message ? { ...rest, deprecated: c.message } : rest;
      await tx
        .updateTable("releases")
        .set({ metadata: JSON.stringify(metadata) })
        .where("id", "=", release.id)
        .execute();
      await recordProjectEvent(tx, now, ctx, {
        type: c.message ? "release.deprecated" : "release.undeprecated",
        projectId: project.id,
        projectName: project.name,
        actorId: actor.userId,
        data: { version: c.version, ...(c.message ? { message: c.message } : {}) },
      });
    }
    await bumpSerial(tx, project.id);
  });
  await deps.changes.publish(project.id);
}
