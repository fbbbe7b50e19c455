import type { User } from "../accounts/index.js";
import { HOUR } from "../lib/clock.js";
import { mfaErrors } from "./errors.js";
import type { MfaDeps } from "./notify.js";
import { confirmRecoveryCodes, normalizeRecoveryCode } from "./recovery-codes.js";

/*
 * The codes page asks for one code back before the user moves on. A typo must show the same codes
 * again, but they exist in clear only in the response that created them (the database keeps hashes).
 * So that response carries them sealed (AES-GCM, bound to the user, for an hour) in a hidden field,
 * like the authenticator-app enrollment: the page already shows them in clear, and is never cached.
 */
const CODES_PAGE_TTL = HOUR;
const aad = (user: User) => `recovery-codes-page:${user.id}`;

export function sealRecoveryCodes(
  deps: Pick<MfaDeps, "keys" | "clock">,
  user: User,
  codes: string[],
): string {
  return deps.keys.encrypt(`${deps.clock.now()}:${codes.join(",")}`, aad(user));
}

/** The codes a page was rendered with, or CODES_PAGE_EXPIRED (tampered, another user's, too old). */
export function openRecoveryCodes(
  deps: Pick<MfaDeps, "keys" | "clock">,
  user: User,
  sealed: string,
): string[] {
  let plain: string;
  try {
    plain = deps.keys.decrypt(sealed, aad(user));
  } catch {
    throw mfaErrors.CODES_PAGE_EXPIRED();
  }
  const [at, list] = plain.split(":");
  if (!list || !(deps.clock.now() - Number(at) <= CODES_PAGE_TTL)) throw mfaErrors.CODES_PAGE_EXPIRED();
  return list.split(",");
}

/** Confirms the set shown on the page by one of its codes typed back; the codes are not spent. */
export async function confirmSavedRecoveryCodes(
  deps: Pick<MfaDeps, "keys" | "clock" | "db">,
  user: User,
  sealed: string,
  typed: string,
): Promise<void> {
  const shown = openRecoveryCodes(deps, user, sealed);
  const want = normalizeRecoveryCode(typed);
  if (!shown.some((c) => normalizeRecoveryCode(c) === want)) throw mfaErrors.SAVED_CODE_WRONG();
  if (!(await confirmRecoveryCodes(deps.db, deps.clock.now(), user.id, typed)))
    throw mfaErrors.CODES_REPLACED();
}
