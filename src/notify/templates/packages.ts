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

/**
 * To each owner, once per staged release (issue 16 item 5): a machine uploaded a release that goes live
 * only when a maintainer approves it with a second factor. The link opens the approval page; the mail
 * itself approves nothing (a link in a mail is not a second factor).
 */
/** The owners' "stage uploads" rule changed (issue 16): a security setting, so every owner hears of it. */
export function stagingRuleChanged(
  s: Site,
  v: { username: string; project: string; by: string; rule: string; previous: string; managePath: string },
) {
  return {
    subject: `The staging rule of ${v.project} changed`,
    text: `${hello(v.username, `the user ${v.by} changed how uploads to ${v.project} from API tokens and trusted publishers are handled: they now ${v.rule} (before: ${v.previous}). If you do not know this change, set it back and check who owns the project.`)}

See it at ${s.origin}${v.managePath}#staging${signature(s)}`,
  };
}

export function releaseStaged(
  s: Site,
  v: { username: string; project: string; version: string; by: string; link: string; expires: string },
) {
  return {
    subject: `${v.project} ${v.version} is staged and waits for your approval`,
    text: `${hello(v.username, `${v.by} staged ${v.project} ${v.version} on ${s.siteName}. Nobody can install it until a maintainer approves it with a security key, passkey or authenticator code.`)}\n\nReview and approve or reject it here:\n${v.link}\n\nIf you do not recognise this release, reject it and revoke the token that uploaded it. Unapproved, it expires on ${v.expires}.${signature(s)}`,
  };
}
