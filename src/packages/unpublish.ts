import type { Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import { refreshDependencies } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { HOUR } from "../lib/clock.js";
import { AppError } from "../lib/errors.js";
import { plural } from "../lib/plural.js";
import { retagAfterRemoval } from "./dist-tags.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { deleteRelease } from "./release-writes.js";
import { listReleases } from "./releases.js";

/** npm's rule: a version can be unpublished by its owners for 72 hours; after that, deprecate it. */
export const UNPUBLISH_WINDOW = 72 * HOUR;

type UnpublishDeps = Pick<Deps, "db" | "clock" | "blobs" | "changes" | "log">;

export interface UnpublishResult {
  removed: string[];
  remaining: number;
}

/**
 * Removes versions (their rows and tarballs) within the window. The file names stay in the journal,
 * so a version number is never published twice with different bytes. `pickLatest` chooses the new
 * `latest` among the remaining versions (ecosystem ordering lives with the protocol).
 */
export async function unpublishVersions(
  deps: UnpublishDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  versions: string[],
  pickLatest: (remaining: string[]) => string | null,
): Promise<UnpublishResult> {
  const actor = grant.require("unpublish", project.id).actor;
  const now = deps.clock.now();
  const all = await listReleases(deps.db, project.id);
  const doomed = all.filter((r) => versions.includes(r.version));
  for (const r of doomed) {
    const age = now - r.createdAt;
    if (age > UNPUBLISH_WINDOW) {
      const days = Math.floor(age / (24 * HOUR));
      throw packageErrors.UNPUBLISH_WINDOW(
        `${project.name}@${r.version} was published ${plural(days, "day")} ago; versions can only be unpublished within 72 hours of publishing, because others may already depend on them. Deprecate it instead: npm deprecate ${project.name}@${r.version} "<why>"`,
      );
    }
  }
  if (doomed.length === 0) return { removed: [], remaining: all.length };
  const removed = doomed.map((r) => r.version);
  const remaining = all.filter((r) => !removed.includes(r.version)).map((r) => r.version);
  const keys = await transaction(deps.db, async (tx) => {
    const keys: string[] = [];
    for (const r of doomed) keys.push(...(await deleteRelease(tx, r.id)));
    await retagAfterRemoval(tx, now, project.id, removed, pickLatest(remaining));
    await bumpSerial(tx, project.id, now);
    await refreshDependencies(tx, project.id);
    for (const r of doomed) {
      await recordProjectEvent(tx, now, ctx, {
        type: "release.deleted",
        projectId: project.id,
        projectName: project.name,
        actorId: actor.userId,
        data: { version: r.version, files: r.files.map((f) => f.filename), via: "unpublish" },
      });
    }
    return keys;
  });
  await deps.changes.publish(project.id);
  // Blobs go only after the rows: a failed delete leaves an orphan blob (logged), never a dangling row.
  for (const key of keys)
    await deps.blobs.delete(key).catch((e: unknown) => deps.log.warn({ err: e, key }, "blob delete failed"));
  return { removed, remaining: remaining.length };
}
