import type { Grant } from "../authz/index.js";
import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { findRelease } from "./releases.js";

/**
 * The project's one MFA requirement (014 folded npm's `access set mfa=` into the web's setting): a
 * level every publisher must have enrolled (`none`, `any` factor, or `phishing-resistant`), enforced
 * by authz on every surface; on npm any level also asks an OTP on every write, from which tokens
 * marked bypass-2FA are spared when `tokensExempt` (npm's mfa=automation; mfa=publish exempts none).
 */
export type MfaLevel = "none" | "any" | "phishing-resistant";
export interface MfaRequirement {
  level: MfaLevel;
  tokensExempt: boolean;
}

type SettingsDeps = Pick<Deps, "db" | "clock" | "changes">;

export function parseMfaLevel(value: string): MfaLevel {
  if (value === "none" || value === "any" || value === "phishing-resistant") return value;
  throw packageErrors.REQUIREMENT_INVALID();
}

export async function mfaRequirementOf(db: DbExecutor, projectId: string): Promise<MfaRequirement> {
  const r = await db
    .selectFrom("projects")
    .select(["mfa_requirement", "mfa_tokens_exempt"])
    .where("id", "=", projectId)
    .executeTakeFirst();
  const level = r?.mfa_requirement;
  return {
    level: level === "any" || level === "phishing-resistant" ? level : "none",
    tokensExempt: r?.mfa_tokens_exempt === 1,
  };
}

/**
 * The one setter, for the web form and `npm access set mfa=...` alike. Takes effect at once, for every
 * surface. `tokensExempt` left out keeps the current exemption (the web form sets only the level).
 */
export async function setMfaRequirement(
  deps: SettingsDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  change: { level: MfaLevel; tokensExempt?: boolean },
): Promise<MfaRequirement> {
  const actor = grant.require("manage-settings", project.id).actor;
  const level = parseMfaLevel(change.level);
  const now = deps.clock.now();
  const next = await transaction(deps.db, async (tx) => {
    const before = await mfaRequirementOf(tx, project.id);
    const tokensExempt = change.tokensExempt ?? before.tokensExempt;
    await tx
      .updateTable("projects")
      .set({ mfa_requirement: level, mfa_tokens_exempt: tokensExempt ? 1 : 0 })
      .where("id", "=", project.id)
      .execute();
    await bumpSerial(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "project.mfa_requirement",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.userId,
      // The level before too: the history shows "old → new", not only where it ended up.
      data: { requirement: level, tokensExempt, previous: before.level },
    });
    return { level, tokensExempt };
  });
  await deps.changes.publish(project.id);
  return next;
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
    await bumpSerial(tx, project.id, now);
  });
  await deps.changes.publish(project.id);
}
