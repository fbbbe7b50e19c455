import { randomBytes } from "node:crypto";
import type { DbExecutor } from "../db/index.js";
import { sha256Hex } from "../lib/crypto.js";
import { newId } from "../lib/ids.js";

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32: no i, l, o, u

/** 16 characters of base32 = 80 random bits per code (≥ 64 required), shown as xxxx-xxxx-xxxx-xxxx. */
function newCode(): string {
  const bytes = randomBytes(16);
  let out = "";
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i]! & 31];
  return out.match(/.{4}/g)!.join("-");
}

/** Forgives what people do when copying codes: case, spaces, dashes, and i/l/o for 1/1/0. */
export function normalizeRecoveryCode(raw: string): string {
  return raw.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
}

// 80 random bits cannot be brute-forced offline, so a fast hash is enough; the user id salts it.
const hashCode = (userId: string, code: string) =>
  sha256Hex(`recovery:${userId}:${normalizeRecoveryCode(code)}`);

/** Replaces the user's codes with 10 new ones (old ones void) and returns them, in clear, once. */
export async function generateRecoveryCodes(db: DbExecutor, now: number, userId: string): Promise<string[]> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await db
    .insertInto("recovery_codes")
    .values(
      codes.map((c) => ({
        id: newId(now),
        user_id: userId,
        code_hash: hashCode(userId, c),
        created_at: now,
        used_at: null,
      })),
    )
    .execute();
  return codes;
}

export async function remainingRecoveryCodes(db: DbExecutor, userId: string): Promise<number> {
  const rows = await db
    .selectFrom("recovery_codes")
    .select("id")
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .execute();
  return rows.length;
}

/** Spends a code once (compare-and-swap): of two racing requests with one code, exactly one wins. */
export async function spendRecoveryCode(
  db: DbExecutor,
  now: number,
  userId: string,
  code: string,
): Promise<boolean> {
  if (normalizeRecoveryCode(code).length !== 16) return false;
  const r = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hashCode(userId, code))
    .where("used_at", "is", null)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * Marks the user's current set as saved when `code` is one of its unused codes, without spending it
 * (typing one back proves the set was kept somewhere; burning one would leave nine for no gain).
 */
export async function confirmRecoveryCodes(
  db: DbExecutor,
  now: number,
  userId: string,
  code: string,
): Promise<boolean> {
  if (normalizeRecoveryCode(code).length !== 16) return false;
  const hit = await db
    .selectFrom("recovery_codes")
    .select("id")
    .where("user_id", "=", userId)
    .where("code_hash", "=", hashCode(userId, code))
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (!hit) return false;
  await db
    .updateTable("recovery_codes")
    .set({ confirmed_at: now })
    .where("user_id", "=", userId)
    .where("confirmed_at", "is", null)
    .execute();
  return true;
}

/** False while the current set was shown but never typed back (true when there is no set at all). */
export async function recoveryCodesConfirmed(db: DbExecutor, userId: string): Promise<boolean> {
  const open = await db
    .selectFrom("recovery_codes")
    .select("id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is", null)
    .executeTakeFirst();
  return !open;
}
