import type { Grant } from "../authz/index.js";
import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import { refreshDependencies } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { AppError } from "../lib/errors.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { findRelease } from "./releases.js";

/**
 * Dist-tags name a version (`latest`, `next`, `beta`): what `npm install pkg` and `pkg@next` resolve
 * to. Tags move; versions do not. A tag always points at a version that exists (removing a version
 * removes its tags and moves `latest`).
 */
export async function listDistTags(db: DbExecutor, projectId: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom("dist_tags")
    .select(["tag", "version"])
    .where("project_id", "=", projectId)
    .orderBy("tag")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
}

export async function putDistTag(
  db: DbExecutor,
  now: number,
  projectId: string,
  tag: string,
  version: string,
): Promise<void> {
  await db
    .insertInto("dist_tags")
    .values({ project_id: projectId, tag, version, updated_at: now })
    .onConflict((oc) => oc.columns(["project_id", "tag"]).doUpdateSet({ version, updated_at: now }))
    .execute();
}

export async function deleteDistTag(db: DbExecutor, projectId: string, tag: string): Promise<boolean> {
  const r = await db
    .deleteFrom("dist_tags")
    .where("project_id", "=", projectId)
    .where("tag", "=", tag)
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** After versions were removed: their tags go, and `latest` moves to `newLatest` (or goes, if null). */
export async function retagAfterRemoval(
  db: DbExecutor,
  now: number,
  projectId: string,
  removed: string[],
  newLatest: string | null,
): Promise<void> {
  if (removed.length === 0) return;
  const tags = await listDistTags(db, projectId);
  await db
    .deleteFrom("dist_tags")
    .where("project_id", "=", projectId)
    .where("version", "in", removed)
    .execute();
  if (tags.latest && removed.includes(tags.latest) && newLatest)
    await putDistTag(db, now, projectId, "latest", newLatest);
}

/**
 * Points `tag` at `version`, or removes the tag when `version` is null. Anyone who may publish may
 * tag (npm's rule); `latest` cannot be removed, since installs without a version resolve through it.
 */
export async function changeDistTag(
  deps: Pick<Deps, "db" | "clock" | "changes">,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  tag: string,
  version: string | null,
): Promise<void> {
  const actor = grant.require("dist-tag", project.id).actor;
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    if (version === null) {
      if (tag === "latest") throw packageErrors.TAG_LATEST();
      if (!(await deleteDistTag(tx, project.id, tag)))
        throw packageErrors.TAG_NOT_FOUND(`${project.name} has no dist-tag '${tag}'.`);
    } else {
      if (!(await findRelease(tx, project.id, version)))
        throw packageErrors.RELEASE_NOT_FOUND(`${project.name} has no version ${version}.`);
      await putDistTag(tx, now, project.id, tag, version);
    }
    await bumpSerial(tx, project.id, now);
    // `npm dist-tag add x@1.0.0 latest` changes what installs resolve to, and so the dependencies.
    if (tag === "latest") await refreshDependencies(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: version === null ? "dist_tag.removed" : "dist_tag.set",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.userId,
      data: { tag, ...(version ? { version } : {}) },
    });
  });
  await deps.changes.publish(project.id);
}
