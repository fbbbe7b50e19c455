import type { DbExecutor } from "../db/index.js";
import { DAY } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import { packageErrors } from "./errors.js";

/** Owners manage people and settings; maintainers publish (OpenSSF AuthZ L2: separate roles). */
export type Role = "owner" | "maintainer";
export const INVITATION_LIFETIME = 14 * DAY;

export interface Member {
  userId: string;
  username: string;
  role: Role;
  since: number;
}

export interface Invitation {
  id: string;
  projectId: string;
  projectName: string;
  userId: string;
  username: string;
  role: Role;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
}

export function parseRole(raw: string): Role {
  if (raw === "owner" || raw === "maintainer") return raw;
  throw packageErrors.ROLE_INVALID();
}

export async function getRole(db: DbExecutor, projectId: string, userId: string): Promise<Role | null> {
  const r = await db
    .selectFrom("roles")
    .select("role")
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? (r.role as Role) : null;
}

export async function listMembers(db: DbExecutor, projectId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom("roles")
    .innerJoin("users", "users.id", "roles.user_id")
    .select(["roles.user_id", "users.username", "roles.role", "roles.created_at"])
    .where("roles.project_id", "=", projectId)
    .orderBy("roles.role", "desc")
    .orderBy("users.username")
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    username: r.username,
    role: r.role as Role,
    since: r.created_at,
  }));
}

/**
 * The owners a project's security mails go to: those with a verified address (an unverified one may
 * belong to someone else), in a stable order.
 */
export async function mailableOwners(
  db: DbExecutor,
  projectId: string,
): Promise<{ id: string; username: string; email: string }[]> {
  return db
    .selectFrom("roles as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["u.id", "u.username", "u.email"])
    .where("r.project_id", "=", projectId)
    .where("r.role", "=", "owner")
    .where("u.email_verified_at", "is not", null)
    .orderBy("u.username")
    .execute();
}

export async function addRole(
  db: DbExecutor,
  now: number,
  projectId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await db
    .insertInto("roles")
    .values({ project_id: projectId, user_id: userId, role, created_at: now })
    .execute();
}

/** Removes a role, refusing to leave the project without an owner. Run it in a transaction. */
export async function removeRole(db: DbExecutor, projectId: string, userId: string): Promise<Role> {
  const role = await getRole(db, projectId, userId);
  if (!role) throw packageErrors.USER_NOT_FOUND("That user has no role on this project.");
  if (role === "owner") {
    const owners = await db
      .selectFrom("roles")
      .select("user_id")
      .where("project_id", "=", projectId)
      .where("role", "=", "owner")
      .execute();
    if (owners.length <= 1) throw packageErrors.LAST_OWNER();
  }
  await db.deleteFrom("roles").where("project_id", "=", projectId).where("user_id", "=", userId).execute();
  return role;
}

export async function insertInvitation(
  db: DbExecutor,
  now: number,
  i: { projectId: string; userId: string; role: Role; invitedBy: string },
): Promise<string> {
  if (await getRole(db, i.projectId, i.userId)) throw packageErrors.ALREADY_A_MEMBER();
  const open = await db
    .selectFrom("role_invitations")
    .select("id")
    .where("project_id", "=", i.projectId)
    .where("user_id", "=", i.userId)
    .where("closed_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (open) throw packageErrors.ALREADY_INVITED();
  const id = newId(now);
  await db
    .insertInto("role_invitations")
    .values({
      id,
      project_id: i.projectId,
      user_id: i.userId,
      role: i.role,
      invited_by: i.invitedBy,
      created_at: now,
      expires_at: now + INVITATION_LIFETIME,
      closed_at: null,
    })
    .execute();
  return id;
}

function invitationQuery(db: DbExecutor, now: number) {
  return db
    .selectFrom("role_invitations")
    .innerJoin("projects", "projects.id", "role_invitations.project_id")
    .innerJoin("users", "users.id", "role_invitations.user_id")
    .select([
      "role_invitations.id",
      "role_invitations.project_id",
      "projects.name as project_name",
      "role_invitations.user_id",
      "users.username",
      "role_invitations.role",
      "role_invitations.invited_by",
      "role_invitations.created_at",
      "role_invitations.expires_at",
    ])
    .where("role_invitations.closed_at", "is", null)
    .where("role_invitations.expires_at", ">", now);
}

type InvRow = Awaited<ReturnType<ReturnType<typeof invitationQuery>["execute"]>>[number];
const toInvitation = (r: InvRow): Invitation => ({
  id: r.id,
  projectId: r.project_id,
  projectName: r.project_name,
  userId: r.user_id,
  username: r.username,
  role: r.role as Role,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export async function openInvitationsForUser(
  db: DbExecutor,
  now: number,
  userId: string,
): Promise<Invitation[]> {
  return (await invitationQuery(db, now).where("role_invitations.user_id", "=", userId).execute()).map(
    toInvitation,
  );
}

export async function openInvitationsForProject(
  db: DbExecutor,
  now: number,
  projectId: string,
): Promise<Invitation[]> {
  return (await invitationQuery(db, now).where("role_invitations.project_id", "=", projectId).execute()).map(
    toInvitation,
  );
}

/** Closes an open invitation addressed to `userId` (compare-and-swap: accepted or declined once). */
export async function closeInvitation(
  db: DbExecutor,
  now: number,
  id: string,
  userId: string,
): Promise<Invitation> {
  const inv = (
    await invitationQuery(db, now)
      .where("role_invitations.id", "=", id)
      .where("role_invitations.user_id", "=", userId)
      .execute()
  ).map(toInvitation)[0];
  if (!inv) throw packageErrors.INVITATION_NOT_FOUND();
  const r = await db
    .updateTable("role_invitations")
    .set({ closed_at: now })
    .where("id", "=", id)
    .where("closed_at", "is", null)
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw packageErrors.INVITATION_NOT_FOUND();
  return inv;
}

/**
 * One page of a person's projects, alphabetical, `limit + 1` rows (lib/paging.ts toPage). `publicOnly`
 * (a public profile) leaves out quarantined projects, which exist only for their own people.
 */
export async function projectsOfUserPage(
  db: DbExecutor,
  userId: string,
  page: { offset: number; limit: number },
  opts: { publicOnly?: boolean } = {},
): Promise<Array<{ projectId: string; name: string; ecosystem: string; role: Role }>> {
  let q = db
    .selectFrom("roles")
    .innerJoin("projects", "projects.id", "roles.project_id")
    .select(["projects.id", "projects.name", "projects.ecosystem", "roles.role"])
    .where("roles.user_id", "=", userId);
  if (opts.publicOnly) q = q.where("projects.quarantined_at", "is", null);
  // The roles' own copy of the order (migration 040): the page is a walk of roles_user_order from its
  // offset, not a sort of every project the person has (42 ms per page at 100,000 projects).
  const rows = await q
    .orderBy("roles.project_name")
    .orderBy("roles.project_ecosystem")
    .limit(page.limit + 1)
    .offset(page.offset)
    .execute();
  return rows.map((r) => ({ projectId: r.id, name: r.name, ecosystem: r.ecosystem, role: r.role as Role }));
}

/** Every project of a person (token scopes and authorization need them all; pages use projectsOfUserPage). */
export async function projectsOfUser(
  db: DbExecutor,
  userId: string,
): Promise<Array<{ projectId: string; name: string; ecosystem: string; role: Role; quarantined: boolean }>> {
  const rows = await db
    .selectFrom("roles")
    .innerJoin("projects", "projects.id", "roles.project_id")
    .select(["projects.id", "projects.name", "projects.ecosystem", "roles.role", "projects.quarantined_at"])
    .where("roles.user_id", "=", userId)
    .orderBy("projects.normalized_name")
    .execute();
  return rows.map((r) => ({
    projectId: r.id,
    name: r.name,
    ecosystem: r.ecosystem,
    role: r.role as Role,
    quarantined: r.quarantined_at !== null,
  }));
}
