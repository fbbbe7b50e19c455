import type { DbExecutor } from "../db/index.js";
import { recoveryCodesConfirmed, remainingRecoveryCodes } from "./recovery-codes.js";

export interface KeyInfo {
  id: string;
  label: string;
  isPasskey: boolean;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface FactorSummary {
  totp: { createdAt: number; lastUsedAt: number | null } | null;
  keys: KeyInfo[];
  recoveryCodesRemaining: number;
  /** False while the newest set was shown but not yet typed back (mfa/recovery-confirm.ts). */
  recoveryCodesConfirmed: boolean;
  /** Any second factor (recovery codes alone do not count: they are a backup). */
  enrolled: boolean;
  /** At least one security key or passkey (phishing-resistant, NIST AAL3-style). */
  phishingResistant: boolean;
}

export async function listKeys(db: DbExecutor, userId: string): Promise<KeyInfo[]> {
  const rows = await db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    isPasskey: r.is_passkey === 1,
    backedUp: r.backup_state === 1,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  }));
}

export async function factorSummary(db: DbExecutor, userId: string): Promise<FactorSummary> {
  const totp = await db
    .selectFrom("totp_credentials")
    .select(["created_at", "last_used_at"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  const keys = await listKeys(db, userId);
  return {
    totp: totp ? { createdAt: totp.created_at, lastUsedAt: totp.last_used_at } : null,
    keys,
    recoveryCodesRemaining: await remainingRecoveryCodes(db, userId),
    recoveryCodesConfirmed: await recoveryCodesConfirmed(db, userId),
    enrolled: Boolean(totp) || keys.length > 0,
    phishingResistant: keys.length > 0,
  };
}
