import { timingSafeEqual } from "node:crypto";
import { HOTP, Secret, TOTP } from "otpauth";
import type { DbExecutor } from "../db/index.js";
import type { Keyring } from "../lib/crypto.js";
import { mfaErrors } from "./errors.js";

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30-second steps. */
export const PERIOD_MS = 30_000;
const DIGITS = 6;
/** Accepted drift: one step either way (PyPI, GitHub). */
const WINDOW = 1;
/** Codes this far off are recognised only to tell the user their clock is wrong; never accepted. */
const HINT_WINDOW = 10;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secret: string, issuer: string, username: string): string {
  return new TOTP({
    issuer,
    label: username,
    secret: Secret.fromBase32(secret),
    digits: DIGITS,
    period: PERIOD_MS / 1000,
  }).toString();
}

export const stepAt = (now: number): number => Math.floor(now / PERIOD_MS);

function codeFor(secret: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: DIGITS });
}

export function normalizeCode(raw: string): string {
  const code = raw.replace(/[\s-]/g, "");
  if (!/^\d{6}$/.test(code)) throw mfaErrors.CODE_FORMAT();
  return code;
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The time step `code` belongs to, if within ±1 of now; throws CODE_CLOCK for ±2..10 (a hint, never a
 * pass) and CODE_INVALID otherwise.
 */
export function matchStep(secret: string, rawCode: string, now: number): number {
  const code = normalizeCode(rawCode);
  const current = stepAt(now);
  for (let d = -WINDOW; d <= WINDOW; d++) if (same(codeFor(secret, current + d), code)) return current + d;
  for (let d = -HINT_WINDOW; d <= HINT_WINDOW; d++) {
    if (Math.abs(d) > WINDOW && same(codeFor(secret, current + d), code)) throw mfaErrors.CODE_CLOCK();
  }
  throw mfaErrors.CODE_INVALID();
}

export async function getTotp(db: DbExecutor, userId: string) {
  return db.selectFrom("totp_credentials").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

export type TotpResult = { ok: true } | { ok: false; replay: boolean };

/**
 * Verifies a code for an enrolled user and spends its time step with a compare-and-swap on
 * last_step, so the same code (or an older one) cannot be used twice, even by two racing requests.
 */
export async function verifyTotp(
  db: DbExecutor,
  keys: Keyring,
  now: number,
  userId: string,
  code: string,
): Promise<void> {
  const row = await getTotp(db, userId);
  if (!row) throw mfaErrors.TOTP_MISSING();
  const step = matchStep(keys.decrypt(row.secret_enc, `totp:${userId}`), code, now);
  const won = await db
    .updateTable("totp_credentials")
    .set({ last_step: step, last_used_at: now })
    .where("user_id", "=", userId)
    .where("last_step", "<", step)
    .executeTakeFirst();
  if (won.numUpdatedRows !== 1n) throw mfaErrors.CODE_REPLAYED();
}

export async function storeTotp(
  db: DbExecutor,
  keys: Keyring,
  now: number,
  userId: string,
  secret: string,
  step: number,
): Promise<void> {
  await db
    .insertInto("totp_credentials")
    .values({
      user_id: userId,
      secret_enc: keys.encrypt(secret, `totp:${userId}`),
      last_step: step,
      created_at: now,
      last_used_at: null,
    })
    .execute();
}
