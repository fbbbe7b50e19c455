import { getUserByUsername } from "../accounts/index.js";
import type { Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import { bumpSerial, type Project } from "./projects.js";
import { addRole, getRole, removeRole } from "./roles.js";

type OwnerDeps = Pick<Deps, "db" | "clock" | "mailer" | "log" | "changes"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

export interface OwnerChange {
  add: string[];
  remove: string[];
  /** The client, for the events (`npm owner` unless told: `gem owner`). */
  client?: "npm" | "gem";
}

/**
 * `npm owner add/rm` and `gem owner --add/--remove`. The web invites and waits for acceptance; the npm CLI has no accept step and
 * prints "+ user" at once, so an owner added from the CLI becomes an owner directly — and is told by
 * mail, with the way to leave, so nobody is attached to a package without knowing. All changes of one
 * request commit together; the last owner cannot be removed.
 */
export async function changeOwners(
  deps: OwnerDeps,
  ctx: EventContext,
  grant: Grant,
  by: { username: string },
  project: Project,
  change: OwnerChange,
): Promise<void> {
  grant.require("manage-people", project.id);
  const actor = grant.actor;
  const now = deps.clock.now();
  const added: Array<{ username: string; email: string }> = [];
  await transaction(deps.db, async (tx) => {
    for (const name of change.add) {
      const user = await getUserByUsername(tx, name);
      if (!user) throw packageErrors.USER_NOT_FOUND(`No user named '${name}'.`);
      if (await getRole(tx, project.id, user.id)) continue;
      await addRole(tx, now, project.id, user.id, "owner");
      await recordProjectEvent(tx, now, ctx, {
        type: "role.added",
        projectId: project.id,
        projectName: project.name,
        actorId: actor.userId,
        people: [user.id],
        data: { username: user.username, role: "owner", via: `${change.client ?? "npm"} owner add` },
      });
      added.push({ username: user.username, email: user.email });
    }
    for (const name of change.remove) {
      const user = await getUserByUsername(tx, name);
      if (!user) continue;
      const role = await removeRole(tx, project.id, user.id);
      await recordProjectEvent(tx, now, ctx, {
        type: "role.removed",
        projectId: project.id,
        projectName: project.name,
        actorId: actor.userId,
        people: [user.id],
        data: { username: user.username, role, via: `${change.client ?? "npm"} owner rm` },
      });
    }
    await bumpSerial(tx, project.id, now);
  });
  await deps.changes.publish(project.id);
  for (const a of added) {
    await send(deps, a.email, mails.madeOwner, {
      username: a.username,
      by: by.username,
      project: project.name,
      client: change.client ?? "npm",
    });
  }
}
