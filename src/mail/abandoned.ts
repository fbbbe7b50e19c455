import type { DbExecutor } from "../db/index.js";

/*
 * The one abandoned-domain check. A lapsed domain re-registered by someone else receives the mail of
 * every address under it (OpenSSF L2), so recovery and every mail that grants access (reset, verify,
 * email-change links) ask this before sending.
 */

/** The domain part of an address, lower-cased, without a trailing dot (how DNS compares names). */
export function emailDomain(email: string): string {
  return email
    .slice(email.lastIndexOf("@") + 1)
    .toLowerCase()
    .replace(/\.$/, "");
}

/** Whether the address's domain, or a parent of it, was marked abandoned by an operator. */
export async function isAbandoned(db: DbExecutor, email: string): Promise<boolean> {
  const labels = emailDomain(email).split(".");
  const candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
  if (!candidates.length) return false;
  const row = await db
    .selectFrom("abandoned_email_domains")
    .select("domain")
    .where("domain", "in", candidates)
    .executeTakeFirst();
  return Boolean(row);
}
