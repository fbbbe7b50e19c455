import { hello, type Site, signature } from "./common.js";

/** Project and scope membership mail: being made an owner lets someone publish under a trusted name. */

export function invitation(s: Site, v: { username: string; by: string; project: string; role: string }) {
  return {
    subject: `Invitation to ${v.project}`,
    text: `${hello(v.username, `The user ${v.by} invited you to be ${v.role === "owner" ? "an owner" : "a maintainer"} of ${v.project}. Accept or decline at ${s.origin}/account/projects (the invitation expires in 14 days).`)}${signature(s)}`,
  };
}

export function madeOwner(s: Site, v: { username: string; by: string; project: string }) {
  return {
    subject: `You are now an owner of ${v.project}`,
    text: `${hello(v.username, `The user ${v.by} made you an owner of the package ${v.project} with \`npm owner add\`. You can now publish it. If you do not want this, leave the project at ${s.origin}/account/projects or run: npm owner rm ${v.username} ${v.project}`)}${signature(s)}`,
  };
}

export function madeScopeOwner(s: Site, v: { username: string; by: string; scope: string }) {
  return {
    subject: `You are now an owner of the npm scope @${v.scope}`,
    text: `${hello(v.username, `The user ${v.by} made you an owner of the npm scope @${v.scope}: you can now create new packages in it. If you do not want this, remove yourself at ${s.origin}/scopes/${v.scope}/ or run: npm org rm ${v.scope} ${v.username}`)}${signature(s)}`,
  };
}
