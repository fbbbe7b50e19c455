import type { DbExecutor } from "../db/index.js";
import { wonRace } from "../db/index.js";
import { HOUR, MINUTE } from "../lib/clock.js";
import type { Keyring } from "../lib/crypto.js";
import { randomToken } from "../lib/crypto.js";
import { accountErrors } from "./errors.js";

export type LinkPurpose = "verify_email" | "reset_password" | "change_email" | "recover_account";

export const LINK_LIFETIME: Record<LinkPurpose, number> = {
  verify_email: 24 * HOUR,
  reset_password: 1 * HOUR,
  change_email: 24 * HOUR,
  // Recovery starts from this link: short-lived, so a mailbox read later (or leaked) does not start one.
  recover_account: 10 * MINUTE,
};

/**
 * Issues a signed, single-use, expiring link token. The signature (purpose-bound) rejects forged or
 * cross-purpose tokens before any database work; the row makes it single-use and revocable.
 */
export async function issueLinkToken(
  db: DbExecutor,
  keys: Keyring,
  now: number,
  userId: string,
  purpose: LinkPurpose,
  email: string,
): Promise<string> {
  const id = randomToken(24);
  await db
    .insertInto("email_tokens")
    .values({
      id,
      user_id: userId,
      purpose,
      email,
      created_at: now,
      expires_at: now + LINK_LIFETIME[purpose],
      used_at: null,
    })
    .execute();
  return keys.seal(`link:${purpose}`, id);
}

export interface LinkTokenRow {
  id: string;
  userId: string;
  email: string;
}

/** Checks a token without spending it (to show the confirmation page). */
export async function peekLinkToken(
  db: DbExecutor,
  keys: Keyring,
  now: number,
  purpose: LinkPurpose,
  token: string,
): Promise<LinkTokenRow> {
  const id = keys.unseal(`link:${purpose}`, token);
  if (!id) throw accountErrors.LINK_INVALID();
  const row = await db
    .selectFrom("email_tokens")
    .selectAll()
    .where("id", "=", id)
    .where("purpose", "=", purpose)
    .executeTakeFirst();
  if (!row) throw accountErrors.LINK_INVALID();
  if (row.used_at !== null) throw accountErrors.LINK_USED();
  if (row.expires_at <= now) throw accountErrors.LINK_EXPIRED();
  return { id: row.id, userId: row.user_id, email: row.email };
}

export interface LinkTokenState extends LinkTokenRow {
  usedAt: number | null;
  expiresAt: number;
}

/**
 * A token's row whatever its state (null for a forged or unknown one), for pages that explain what
 * happened to a spent or expired link instead of only refusing it (recovery/handover.ts).
 */
export async function inspectLinkToken(
  db: DbExecutor,
  keys: Keyring,
  purpose: LinkPurpose,
  token: string,
): Promise<LinkTokenState | null> {
  const id = token ? keys.unseal(`link:${purpose}`, token) : null;
  if (!id) return null;
  const row = await db
    .selectFrom("email_tokens")
    .selectAll()
    .where("id", "=", id)
    .where("purpose", "=", purpose)
    .executeTakeFirst();
  return row
    ? { id: row.id, userId: row.user_id, email: row.email, usedAt: row.used_at, expiresAt: row.expires_at }
    : null;
}

/**
 * Spends a token with a compare-and-swap, so two racing requests cannot both use one link. Call it in
 * the transaction that makes the change the link authorises.
 */
export async function spendLinkToken(
  db: DbExecutor,
  keys: Keyring,
  now: number,
  purpose: LinkPurpose,
  token: string,
): Promise<LinkTokenRow> {
  const row = await peekLinkToken(db, keys, now, purpose, token);
  const result = await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("id", "=", row.id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (!wonRace(result)) throw accountErrors.LINK_USED();
  return row;
}

/** A newer link of the same purpose voids the older ones (e.g. the second reset request wins). */
export async function voidLinkTokens(
  db: DbExecutor,
  now: number,
  userId: string,
  purpose: LinkPurpose,
): Promise<void> {
  await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .execute();
}
