import type { DbExecutor } from "../db/index.js";

export interface CoMaintainer {
  userId: string;
  username: string;
  email: string;
}

/**
 * Everyone who shares a project with the account (owners and maintainers, frozen accounts left out):
 * the people most likely to notice that a recovery is not what it seems, and to reach the real owner
 * through another channel.
 */
export async function coMaintainersOf(db: DbExecutor, userId: string): Promise<CoMaintainer[]> {
  const rows = await db
    .selectFrom("roles as mine")
    .innerJoin("roles as theirs", "theirs.project_id", "mine.project_id")
    .innerJoin("users", "users.id", "theirs.user_id")
    .select(["users.id", "users.username", "users.email"])
    .where("mine.user_id", "=", userId)
    .where("theirs.user_id", "!=", userId)
    .where("users.is_frozen", "=", 0)
    .where("users.email_verified_at", "is not", null)
    .distinct()
    .orderBy("users.username")
    .execute();
  return rows.map((r) => ({ userId: r.id, username: r.username, email: r.email }));
}

/** Whether the account maintains a critical project (its recovery then waits longer). */
export async function maintainsCritical(db: DbExecutor, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("roles")
    .innerJoin("projects", "projects.id", "roles.project_id")
    .select("projects.id")
    .where("roles.user_id", "=", userId)
    .where("projects.critical_since", "is not", null)
    .executeTakeFirst();
  return Boolean(row);
}
