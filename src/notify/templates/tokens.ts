import { hello, type Site, signature } from "./common.js";

/** API-token mail: a token is a credential that skips the second factor, so its owner hears of each one. */

const closing = (s: Site) => `\n\nManage your tokens at ${s.origin}/account/tokens${signature(s)}`;

const mail = (s: Site, username: string, subject: string, body: string) => ({
  subject,
  text: `${hello(username, body)}${closing(s)}`,
});

/** A token made on the web: scoped to some projects (by name) or to the whole account. */
export function tokenCreated(s: Site, v: { username: string; name: string; projects: string[] }) {
  const n = v.projects.length;
  const scope = n === 0 ? "your whole account" : `the project${n === 1 ? "" : "s"} ${v.projects.join(", ")}`;
  return mail(
    s,
    v.username,
    "An API token was created",
    `A new API token named "${v.name}" was created for your account, scoped to ${scope}. If this was not you, revoke it and change your password.`,
  );
}

/** A token made by `npm token create` / `npm login`, with npm's extra restrictions spelled out. */
export function cliTokenCreated(
  s: Site,
  v: { username: string; name: string; via: string; scope: string[]; readonly: boolean; bypass2fa: boolean },
) {
  return mail(
    s,
    v.username,
    "An API token was created",
    `A new API token named "${v.name}" was created for your account (${v.via}), scoped to ${v.scope.length ? v.scope.join(", ") : "your whole account"}${v.readonly ? ", read-only" : ""}${v.bypass2fa ? ", allowed to publish without a one-time password" : ""}. If this was not you, revoke it and change your password.`,
  );
}

export function tokenRevoked(s: Site, v: { username: string; name: string }) {
  return mail(
    s,
    v.username,
    "An API token was revoked",
    `The API token "${v.name}" was revoked. Anything still using it will be refused.`,
  );
}

/**
 * A token found in public (GitHub secret scanning, or an operator told of it) and revoked: say where,
 * since the owner must also clean the place up and replace the token wherever it was used.
 */
export function tokenLeaked(
  s: Site,
  v: { username: string; name: string; url: string; source: string; by: string },
) {
  const where = v.url ? ` at ${v.url}${v.source ? ` (${v.source})` : ""}` : v.source ? ` (${v.source})` : "";
  return mail(
    s,
    v.username,
    "An API token was found in public and revoked",
    `Your API token "${v.name}" was found in public${where}, reported by ${v.by}. It has been revoked: anything still using it will be refused. Remove it from where it was published, create a new token, and check your projects' recent releases and security history for anything you did not do.`,
  );
}

export function operatorToken(s: Site, v: { username: string; name: string }) {
  return mail(
    s,
    v.username,
    "An operator created an API token for you",
    `A registry operator created the API token "${v.name}" for your account.`,
  );
}
