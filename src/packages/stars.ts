import type { DbExecutor } from "../db/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { bumpSerial, type Project } from "./projects.js";

/**
 * `npm star` / `npm unstar` / `npm stars`: a person's bookmark on a package, public as on npm's own
 * registry (the packument's `users`). A star is the starrer's own preference, so it needs no role on
 * the package and no second factor, and one person can only ever set or clear their own.
 */
export async function setStar(
  deps: Pick<Deps, "db" | "clock" | "changes">,
  userId: string,
  project: Project,
  starred: boolean,
): Promise<void> {
  const changed = await transaction(deps.db, async (tx) => {
    const r = starred
      ? await tx
          .insertInto("npm_stars")
          .values({ user_id: userId, project_id: project.id, created_at: deps.clock.now() })
          .onConflict((oc) => oc.columns(["user_id", "project_id"]).doNothing())
          .executeTakeFirst()
      : await tx
          .deleteFrom("npm_stars")
          .where("user_id", "=", userId)
          .where("project_id", "=", project.id)
          .executeTakeFirst();
    const n = Number("numInsertedOrUpdatedRows" in r ? r.numInsertedOrUpdatedRows : r.numDeletedRows);
    // The packument lists who starred: re-render it (no `time.modified`: npm's registry leaves it too).
    if (n > 0) await bumpSerial(tx, project.id);
    return n > 0;
  });
  if (changed) await deps.changes.publish(project.id);
}

/** Usernames that starred a project, in name order. */
export async function starredBy(db: DbExecutor, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("npm_stars")
    .innerJoin("users", "users.id", "npm_stars.user_id")
    .select("users.username")
    .where("npm_stars.project_id", "=", projectId)
    .orderBy("users.username")
    .execute();
  return rows.map((r) => r.username);
}

/** Names of the packages of one ecosystem a user starred, in name order. */
export async function starsOfUser(db: DbExecutor, userId: string, ecosystem: string): Promise<string[]> {
  const rows = await db
    .selectFrom("npm_stars")
    .innerJoin("projects", "projects.id", "npm_stars.project_id")
    .select("projects.name")
    .where("npm_stars.user_id", "=", userId)
    .where("projects.ecosystem", "=", ecosystem)
    .orderBy("projects.normalized_name")
    .execute();
  return rows.map((r) => r.name);
}
