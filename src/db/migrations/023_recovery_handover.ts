import type { Kysely } from "kysely";

/*
 * Recovery links that survive a mail-app preview and follow the person to the browser they are at
 * (issue 14 item 9, recovery/handover.ts):
 * - link_id: the confirmation link (email_tokens.id) that created the request, so the same link, opened
 *   in another browser soon after, can find the request and move it there;
 * - browser_binding: a random value the recovery cookie must carry. Moving the request to another
 *   browser replaces it (compare-and-swap), so only the browser it was moved to can present proofs.
 *   Null for requests created before this migration: their cookie (the request id alone) still works.
 * - moved_at: when the request was moved. It moves once: the compare-and-swap on this column lets
 *   exactly one of several browsers holding the link win, and nobody can then pull it back and forth.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("recovery_requests").addColumn("link_id", "text").execute();
  await db.schema.alterTable("recovery_requests").addColumn("browser_binding", "text").execute();
  await db.schema.alterTable("recovery_requests").addColumn("moved_at", "bigint").execute();
  await db.schema.createIndex("recovery_requests_link").on("recovery_requests").column("link_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("recovery_requests_link").execute();
  await db.schema.alterTable("recovery_requests").dropColumn("moved_at").execute();
  await db.schema.alterTable("recovery_requests").dropColumn("browser_binding").execute();
  await db.schema.alterTable("recovery_requests").dropColumn("link_id").execute();
}
