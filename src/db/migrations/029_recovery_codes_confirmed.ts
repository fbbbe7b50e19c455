import { type Kysely, sql } from "kysely";

/*
 * Recovery codes confirmed by typing one back (issue 14): the set a user was shown is "saved" once
 * they type one of its codes on the codes page, as PyPI asks. The mark lives on the code rows, so
 * generating a new set (delete + insert) starts unconfirmed without touching anything else. Sets that
 * exist already were shown before confirmation existed: they count as confirmed, so nobody is nagged
 * about codes they were never asked to confirm.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("recovery_codes").addColumn("confirmed_at", "bigint").execute();
  await sql`update recovery_codes set confirmed_at = created_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("recovery_codes").dropColumn("confirmed_at").execute();
}
