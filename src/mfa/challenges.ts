import type { DbExecutor } from "../db/index.js";
import { randomToken } from "../lib/crypto.js";
import { newId } from "../lib/ids.js";
import { mfaErrors } from "./errors.js";

export type ChallengePurpose =
  | "login"
  | "webauthn-register"
  | "webauthn-login"
  | "webauthn-passkey"
  | "webauthn-sudo"
  | "webauthn-recovery-stop"
  /** A key given for one decision on one thing (webauthn-approval.ts): the binding is in the purpose. */
  | `webauthn-approval:${string}`;

export interface Challenge {
  id: string;
  userId: string | null;
  challenge: string;
}

/** A single-use challenge (≥ 128 random bits) that expires after `ttlMs`. */
export async function createChallenge(
  db: DbExecutor,
  now: number,
  purpose: ChallengePurpose,
  userId: string | null,
  ttlMs: number,
  challenge: string = randomToken(32),
): Promise<Challenge> {
  const id = newId(now);
  await db
    .insertInto("auth_challenges")
    .values({
      id,
      user_id: userId,
      purpose,
      challenge,
      created_at: now,
      expires_at: now + ttlMs,
      used_at: null,
    })
    .execute();
  return { id, userId, challenge };
}

/** The challenge if it is still open for this purpose (and user, when given); it stays open. */
export async function peekChallenge(
  db: DbExecutor,
  now: number,
  id: string,
  purpose: ChallengePurpose,
  userId?: string | null,
): Promise<Challenge> {
  const row = await db
    .selectFrom("auth_challenges")
    .selectAll()
    .where("id", "=", id)
    .where("purpose", "=", purpose)
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= now) throw mfaErrors.CHALLENGE_INVALID();
  if (userId !== undefined && row.user_id !== userId) throw mfaErrors.CHALLENGE_INVALID();
  return { id: row.id, userId: row.user_id, challenge: row.challenge };
}

/** Spends the challenge with a compare-and-swap: a replayed or raced second use is refused. */
export async function spendChallenge(
  db: DbExecutor,
  now: number,
  id: string,
  purpose: ChallengePurpose,
  userId?: string | null,
): Promise<Challenge> {
  const c = await peekChallenge(db, now, id, purpose, userId);
  const r = await db
    .updateTable("auth_challenges")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw mfaErrors.CHALLENGE_INVALID();
  return c;
}

/** Housekeeping: used and expired challenges are of no further use (the passkey endpoints make many). */
export async function purgeChallenges(db: DbExecutor, now: number): Promise<number> {
  const r = await db
    .deleteFrom("auth_challenges")
    .where("expires_at", "<", now - 60 * 60_000)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
