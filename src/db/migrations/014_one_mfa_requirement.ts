import { type Kysely, sql } from "kysely";

/**
 * One project MFA requirement (issue 12): the web's `mfa_requirement` (none | any |
 * phishing-resistant) and npm's `npm_mfa` (none | publish | automation) become one level plus
 * `mfa_tokens_exempt` (npm's mfa=automation: tokens marked to bypass 2FA publish without an OTP).
 * The fold keeps what each project asked for:
 *  - npm mfa=publish or automation asked for at least "any": the level is the stricter of the two;
 *  - automation exempts bypass tokens, publish does not;
 *  - a web-only requirement (npm none) never stopped bypass tokens before, so it exempts them now.
 * Then `npm_mfa` goes, so nothing can read the old rule by mistake (SQLite >= 3.35 drops columns
 * that carry no index or constraint, which this one does not).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("projects")
    .addColumn("mfa_tokens_exempt", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    UPDATE projects SET
      mfa_tokens_exempt = CASE
        WHEN npm_mfa = 'automation' THEN 1
        WHEN npm_mfa = 'none' AND mfa_requirement <> 'none' THEN 1
        ELSE 0 END,
      mfa_requirement = CASE
        WHEN mfa_requirement = 'none' AND npm_mfa IN ('publish', 'automation') THEN 'any'
        ELSE mfa_requirement END
  `.execute(db);
  await db.schema.alterTable("projects").dropColumn("npm_mfa").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("projects")
    .addColumn("npm_mfa", "text", (c) => c.notNull().defaultTo("none"))
    .execute();
  await sql`
    UPDATE projects SET npm_mfa = CASE
      WHEN mfa_requirement = 'none' THEN 'none'
      WHEN mfa_tokens_exempt = 1 THEN 'automation'
      ELSE 'publish' END
  `.execute(db);
  await db.schema.alterTable("projects").dropColumn("mfa_tokens_exempt").execute();
}
