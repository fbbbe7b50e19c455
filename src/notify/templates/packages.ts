import { hello, type Site, signature } from "./common.js";

/** Project and scope membership mail: being made an owner lets someone publish under a trusted name. */

export function invitation(s: Site, v: { username: string; by: string; project: string; role: string }) {
  return {
    subject: `Invitation to ${v.project}`,
    text: `${hello(v.username, `The user ${v.by} invited you to be ${v.role === "owner" ? "an owner" : "a maintainer"} of ${v.project}. Accept or decline at ${s.origin}/account/projects (the invitation expires in 14 days).`)}${signature(s)}`,
  };
}

/** Made an owner from a client (`npm owner add`, `gem owner --add`): the mail says how to leave with the same client. */
export function madeOwner(
  s: Site,
  v: { username: string; by: string; project: string; client?: "npm" | "gem" },
) {
  const [how, leave] =
    v.client === "gem"
      ? ["`gem owner --add`", `gem owner ${v.project} --remove ${v.username}`]
      : ["`npm owner add`", `npm owner rm ${v.username} ${v.project}`];
  return {
    subject: `You are now an owner of ${v.project}`,
    text: `${hello(v.username, `The user ${v.by} made you an owner of the package ${v.project} with ${how}. You can now publish it. If you do not want this, leave the project at ${s.origin}/account/projects or run: ${leave}`)}${signature(s)}`,
  };
}

export function madeScopeOwner(s: Site, v: { username: string; by: string; scope: string }) {
  return {
    subject: `You are now an owner of the npm scope @${v.scope}`,
    text: `${hello(v.username, `The user ${v.by} made you an owner of the npm scope @${v.scope}: you can now create new packages in it. If you do not want this, remove yourself at ${s.origin}/scopes/${v.scope}/ or run: npm org rm ${v.scope} ${v.username}`)}${signature(s)}`,
  };
}

/**
 * To the owners of a protected project when a new project imitating its name is held for review
 * (issue 18 item 4): they are the ones most likely to know whether it is theirs, a fork, or an attack.
 */
export function lookalikeHeld(
  s: Site,
  v: { username: string; project: string; lookalike: string; why: string },
) {
  return {
    subject: `A look-alike of ${v.project} is held for review`,
    text: `${hello(v.username, `A new project named ${v.lookalike} was just created on ${s.siteName}. Its name looks like your project ${v.project} (${v.why}), so it is held in quarantine: installers cannot see it until the registry's operators review it.`)}\n\nYou do not need to do anything. If you know this project, or if you think it imitates yours on purpose, tell the registry's operators.${signature(s)}`,
  };
}
