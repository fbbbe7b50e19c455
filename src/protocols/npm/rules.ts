import { getUserByUsername, type User } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { npmErrors } from "./errors.js";
import type { PackageName } from "./names.js";

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
 * Scopes are Wharf's stand-in for npm organisations, with two rules: `@<username>` belongs to that
 * user, and otherwise the first person to publish into a scope claims it — after that, only people
 * with a role on one of its packages may add new ones (an owner brings others in with npm owner add).
 */
export async function checkScopeClaim(deps: Pick<Deps, "db">, name: PackageName, user: User): Promise<void> {
  if (!name.scope) return;
  const namesake = await getUserByUsername(deps.db, name.scope);
  if (namesake && namesake.id !== user.id)
    throw npmErrors.SCOPE_TAKEN(`The scope @${name.scope} belongs to the user ${namesake.username}.`);
  if (namesake) return;
  const inScope = await deps.db
    .selectFrom("projects")
    .leftJoin("roles", (j) =>
      j.onRef("roles.project_id", "=", "projects.id").on("roles.user_id", "=", user.id),
    )
    .select(["projects.id", "roles.user_id"])
    .where("projects.ecosystem", "=", "npm")
    .where("projects.normalized_name", "like", `@${name.scope}/%`)
    .execute();
  if (inScope.length > 0 && !inScope.some((r) => r.user_id !== null))
    throw npmErrors.SCOPE_TAKEN(
      `Packages in @${name.scope} are published by other people; ask an owner of one of them to add you (npm owner add).`,
    );
}
