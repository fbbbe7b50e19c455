import type { User } from "../accounts/index.js";
import { getUserByUsername } from "../accounts/index.js";
import type { Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import type { Project } from "./projects.js";
import { addRole, closeInvitation, insertInvitation, type Role, removeRole } from "./roles.js";

type PeopleDeps = Pick<Deps, "db" | "clock" | "mailer" | "log" | "changes"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

/** The grant must be authorize()'s "manage-people" on this project, for this very user. */
function mustOwn(grant: Grant, actor: User, project: Project): void {
  grant.require("manage-people", project.id);
  if (grant.actor.userId !== actor.id) throw packageErrors.GRANT_OTHER_USER();
}

/** Invites a user; they become a member only when they accept (nobody is added to a project unasked). */
export async function inviteMember(
  deps: PeopleDeps,
  ctx: EventContext,
  grant: Grant,
  actor: User,
  project: Project,
  username: string,
  role: Role,
): Promise<void> {
  mustOwn(grant, actor, project);
  const invitee = await getUserByUsername(deps.db, username.trim());
  if (!invitee || invitee.isFrozen) throw packageErrors.USER_NOT_FOUND();
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await insertInvitation(tx, now, { projectId: project.id, userId: invitee.id, role, invitedBy: actor.id });
    await recordProjectEvent(tx, now, ctx, {
      type: "role.invited",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.id,
      people: [invitee.id],
      data: { username: invitee.username, role },
    });
  });
  await send(deps, invitee.email, mails.invitation, {
    username: invitee.username,
    by: actor.username,
    project: project.name,
    role,
  });
}

export async function acceptInvitation(
  deps: PeopleDeps,
  ctx: EventContext,
  user: User,
  invitationId: string,
): Promise<string> {
  const now = deps.clock.now();
  const inv = await transaction(deps.db, async (tx) => {
    const inv = await closeInvitation(tx, now, invitationId, user.id);
    await addRole(tx, now, inv.projectId, user.id, inv.role);
    await recordProjectEvent(tx, now, ctx, {
      type: "role.added",
      projectId: inv.projectId,
      projectName: inv.projectName,
      actorId: user.id,
      people: [inv.invitedBy],
      data: { username: user.username, role: inv.role },
    });
    return inv;
  });
  await deps.changes.publish(inv.projectId);
  return inv.projectName;
}

export async function declineInvitation(
  deps: PeopleDeps,
  ctx: EventContext,
  user: User,
  invitationId: string,
): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const inv = await closeInvitation(tx, now, invitationId, user.id);
    await recordProjectEvent(tx, now, ctx, {
      type: "role.declined",
      projectId: inv.projectId,
      projectName: inv.projectName,
      actorId: user.id,
      people: [inv.invitedBy],
      data: { username: user.username },
    });
  });
}

/**
 * Owners remove people (with a "manage-people" grant), or anyone leaves (`grant` "self": leaving only
 * takes the leaver's own access away); the last owner cannot go.
 */
export async function removeMember(
  deps: PeopleDeps,
  ctx: EventContext,
  grant: Grant | "self",
  actor: User,
  project: Project,
  userId: string,
): Promise<void> {
  if (grant === "self") {
    if (userId !== actor.id) throw packageErrors.GRANT_OTHER_USER();
  } else mustOwn(grant, actor, project);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const role = await removeRole(tx, project.id, userId);
    await recordProjectEvent(tx, now, ctx, {
      type: "role.removed",
      projectId: project.id,
      projectName: project.name,
      actorId: actor.id,
      people: [userId],
      data: { role },
    });
  });
  await deps.changes.publish(project.id);
}
