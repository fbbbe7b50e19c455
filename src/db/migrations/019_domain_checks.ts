import type { Kysely } from "kysely";

/*
 * Automatic detection of abandoned email domains (issue 13 item 3, OpenSSF L2). One row per email
 * domain of a verified account, with what its last DNS check found and the streak of checks that found
 * no mail host. A domain is flagged (a row in abandoned_email_domains, by system:dns-check) only after
 * several such checks at least a day apart; a check with no answer (SERVFAIL, timeout) counts for
 * nothing. `reported_at`: the streak was long enough but too many accounts use the domain for the job
 * to act alone; `resolves_again_at`: an abandoned domain that receives mail again (perhaps
 * re-registered by someone else), shown to operators and never lifted automatically.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("email_domain_checks")
    .addColumn("domain", "text", (c) => c.primaryKey())
    .addColumn("accounts", "integer", (c) => c.notNull())
    .addColumn("next_check_at", "bigint", (c) => c.notNull())
    .addColumn("checked_at", "bigint")
    .addColumn("result", "text")
    .addColumn("detail", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failing_since", "bigint")
    .addColumn("last_failure_at", "bigint")
    .addColumn("unknown_since", "bigint")
    .addColumn("flagged_at", "bigint")
    .addColumn("reported_at", "bigint")
    .addColumn("resolves_again_at", "bigint")
    .execute();
  await db.schema
    .createIndex("email_domain_checks_due")
    .on("email_domain_checks")
    .columns(["next_check_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("email_domain_checks").execute();
}
