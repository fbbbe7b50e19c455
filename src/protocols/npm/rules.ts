import type { User } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import type { PackageName } from "../../ecosystems/npm/names.js";
import { checkNewPackageScope } from "../../packages/index.js";
import { npmErrors } from "./errors.js";

/**
 * A dist-tag is a plain name: URL-safe, not a version or range (npm refuses tags that semver would
 * read as a range, or `npm install pkg@1.x` would become ambiguous).
 */
export function checkDistTag(tag: string): string {
  if (!/^[A-Za-z][A-Za-z0-9._-]{0,99}$/.test(tag) || /^v\d/i.test(tag) || /^[xX]$/.test(tag))
    throw npmErrors.TAG_INVALID(
      `Invalid dist-tag '${tag.slice(0, 100)}': use a name such as latest, next or beta (letters first; not a version or range).`,
    );
  return tag;
}

/**
 * Publishing a NEW package into a scope takes being one of the scope's owners (packages/scopes.ts);
 * an unclaimed scope goes to its first publisher, or to the user of the same name. New versions of a
 * package that exists are decided by its own roles, not here. This is the early, read-only check (a
 * clear 403 before the tarball is stored); the claim itself commits with the package (publish.ts).
 */
export async function checkScopeClaim(deps: Pick<Deps, "db">, name: PackageName, user: User): Promise<void> {
  if (!name.scope) return;
  await checkNewPackageScope(deps.db, name.scope, user);
}
