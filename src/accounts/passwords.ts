import { createRequire } from "node:module";
import { accountErrors } from "./errors.js";

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * The native argon2 binding is loaded by the first hash or verification, not at start-up (issue 15).
 * Both paths of a sign-in (real and burnPasswordCheck) go through it, so the one-off load tells nothing.
 */
const argon2 = () => import("@node-rs/argon2");

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 4096;

let common: Set<string> | undefined;

/**
 * The ~49,000 most common passwords from the zxcvbn-ts corpus (an npm dependency, so the list ships
 * with Wharf and needs no network). NIST 800-63B §5.1.1.2: refuse values from such lists.
 */
export function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const lang = require("@zxcvbn-ts/language-common") as { dictionary: Record<string, string[]> };
    common = new Set((lang.dictionary["passwords-common"] ?? []).map((p) => p.toLowerCase()));
    if (common.size < 10_000) throw new Error("common-password list failed to load");
  }
  return common;
}

export function checkPasswordPolicy(
  password: string,
  context: { username?: string; email?: string } = {},
): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN) throw accountErrors.PASSWORD_TOO_SHORT();
  if (length > PASSWORD_MAX) throw accountErrors.PASSWORD_TOO_LONG();
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) throw accountErrors.PASSWORD_COMMON();
  if (lower === context.username?.toLowerCase() || lower === context.email?.toLowerCase()) {
    throw accountErrors.PASSWORD_SAME_AS_NAME();
  }
}

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, ARGON2);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(hashed, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * Verifies against a throwaway hash when the account does not exist, so the response time does not
 * tell an attacker which usernames are registered.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword("wharf-dummy-password-for-timing");
  await verifyPassword(await dummy, password);
}
