import type { Keyring } from "../lib/crypto.js";

/*
 * Giveaway codes are bearer secrets worth money (issue 11, LOW 16): the database keeps a keyed hash (to
 * refuse a code loaded twice), the code sealed under the server key (the registry must hand it out at
 * claim time and show it again to its claimer only), and a masked hint for the console. Migration 011
 * converted older clear rows with the same derivations.
 */

export function codeHash(keys: Keyring, code: string): string {
  return keys.sign("giveaway-code", code);
}

/** Bound to the row id: a sealed code copied onto another row does not open. */
export function sealCode(keys: Keyring, id: string, code: string): string {
  return keys.encrypt(code, `giveaway-code:${id}`);
}

export function openCode(keys: Keyring, id: string, sealed: string): string {
  return keys.decrypt(sealed, `giveaway-code:${id}`);
}

/** "••••••••7Q2C": enough to match a vendor's report, not to use the code; the console never shows one whole. */
export function maskCode(code: string): string {
  const shown = code.length > 8 ? 4 : Math.min(2, Math.max(0, code.length - 4));
  return "•".repeat(Math.max(4, code.length - shown)) + code.slice(code.length - shown);
}
