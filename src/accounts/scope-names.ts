import { sql } from "kysely";
import type { DbExecutor } from "../db/index.js";
import { accountErrors } from "./errors.js";
import { canonicalUsername } from "./usernames.js";

/**
 * A username equal to an npm scope in use cannot be registered (issue 11, HIGH 2): `acme` would look
 * like the owner of `@acme` — and under the old "@x belongs to user x" rule, became it. "In use" means
 * the scope has owners (npm_scopes) or holds packages. Compared on the canonical username, the fold
 * every username lookup uses, against the scope's stored form (lower case). Read straight from the
 * tables: the packages feature builds on accounts, not the other way round.
 */
export async function assertNotAnNpmScope(db: DbExecutor, username: string): Promise<void> {
  const name = canonicalUsername(username);
  const prefix = `@${name}/`;
  const claimed = await db
    .selectFrom("npm_scopes")
    .select("name")
    .where("name", "=", name)
    .executeTakeFirst();
  const holds =
    claimed ??
    (await db
      .selectFrom("projects")
      .select("id")
      .where("ecosystem", "=", "npm")
      .where(sql<string>`substr(normalized_name, 1, ${sql.lit(prefix.length)})`, "=", prefix)
      .executeTakeFirst());
  if (holds)
    throw accountErrors.USERNAME_TAKEN(
      `The username ${username} is taken: @${name} is an npm scope that belongs to other people. Choose another username.`,
    );
}
