import type { User } from "../accounts/index.js";
import type { Action, Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import { refreshDependencies } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { deleteFile, deleteRelease, setYanked } from "./release-writes.js";
import type { Release } from "./releases.js";

type ManageDeps = Pick<Deps, "db" | "clock" | "blobs" | "changes" | "log">;

/** authorize()'s grant for `action` on this project, for this user (the surface asked; we check). */
function allow(grant: Grant, user: User, action: Action, project: Project): void {
  grant.require(action, project.id);
  if (grant.actor.userId !== user.id) throw packageErrors.GRANT_OTHER_USER();
}

/** Blobs go only after the rows are gone; a failed delete leaves an orphan blob (logged), never a dangling row. */
async function removeBlobs(deps: ManageDeps, keys: string[]): Promise<void> {
  for (const key of keys)
    await deps.blobs.delete(key).catch((e: unknown) => deps.log.warn({ err: e, key }, "blob delete failed"));
}

/**
 * PEP 592: a yanked release stays installable when pinned exactly (==), and is skipped otherwise. The
 * reason is shown by pip; keep it short.
 */
export async function yankRelease(
  deps: ManageDeps,
  ctx: EventContext,
  grant: Grant,
  user: User,
  project: Project,
  release: Release,
  reason: string,
  yank: boolean,
): Promise<void> {
  allow(grant, user, "yank", project);
  const clean = reason.trim();
  if (clean.length > 500) throw packageErrors.YANK_REASON_TOO_LONG();
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await setYanked(tx, now, release.id, yank ? clean || null : null, yank);
    await bumpSerial(tx, project.id);
    // Unpinned installs skip a yanked release: the latest, and so the dependencies, may change.
    await refreshDependencies(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: yank ? "release.yanked" : "release.unyanked",
      projectId: project.id,
      projectName: project.name,
      actorId: user.id,
      data: { version: release.version, ...(yank && clean ? { reason: clean } : {}) },
    });
  });
  await deps.changes.publish(project.id);
}

/** Deleting is permanent and the file names stay reserved forever; the page asks for sudo first. */
export async function removeRelease(
  deps: ManageDeps,
  ctx: EventContext,
  grant: Grant,
  user: User,
  project: Project,
  release: Release,
): Promise<void> {
  allow(grant, user, "delete", project);
  const now = deps.clock.now();
  const keys = await transaction(deps.db, async (tx) => {
    const keys = await deleteRelease(tx, release.id);
    await bumpSerial(tx, project.id);
    await refreshDependencies(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "release.deleted",
      projectId: project.id,
      projectName: project.name,
      actorId: user.id,
      data: { version: release.version, files: release.files.map((f) => f.filename) },
    });
    return keys;
  });
  await deps.changes.publish(project.id);
  await removeBlobs(deps, keys);
}

export async function removeFile(
  deps: ManageDeps,
  ctx: EventContext,
  grant: Grant,
  user: User,
  project: Project,
  release: Release,
  fileId: string,
): Promise<void> {
  allow(grant, user, "delete", project);
  const file = release.files.find((f) => f.id === fileId);
  if (!file) throw packageErrors.FILE_NOT_FOUND();
  const now = deps.clock.now();
  const keys = await transaction(deps.db, async (tx) => {
    const keys = await deleteFile(tx, file.id);
    await bumpSerial(tx, project.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "file.deleted",
      projectId: project.id,
      projectName: project.name,
      actorId: user.id,
      data: { version: release.version, filename: file.filename },
    });
    return keys;
  });
  await deps.changes.publish(project.id);
  await removeBlobs(deps, keys);
}
