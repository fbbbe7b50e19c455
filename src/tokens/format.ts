import { randomBytes } from "node:crypto";
import { safeEqual, sha256Hex } from "../lib/crypto.js";

/**
 * `wharf_` + 12-character lookup id + 43 characters of secret (32 random bytes). The prefix lets
 * secret scanners (GitHub, GitGuardian) recognise leaked tokens; the lookup finds the row without
 * comparing secrets in SQL; only sha256 of the whole token is stored and compared in constant time.
 * 256 bits of randomness make a slow hash unnecessary: there is nothing to brute-force.
 */
export const TOKEN_PREFIX = "wharf_";
const LOOKUP_LENGTH = 12;
const TOKEN_PATTERN = /^wharf_[A-Za-z0-9_-]{12}[A-Za-z0-9_-]{43}$/;

export interface MintedToken {
  token: string;
  lookup: string;
  hash: string;
  displayPrefix: string;
}

export function mintToken(): MintedToken {
  const lookup = randomBytes(9).toString("base64url");
  const token = `${TOKEN_PREFIX}${lookup}${randomBytes(32).toString("base64url")}`;
  return { token, lookup, hash: sha256Hex(token), displayPrefix: `${TOKEN_PREFIX}${lookup.slice(0, 6)}` };
}

/** The lookup id of a well-formed token, or null. */
export function tokenLookup(token: string): string | null {
  return TOKEN_PATTERN.test(token)
    ? token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + LOOKUP_LENGTH)
    : null;
}

export function tokenMatches(token: string, storedHash: string): boolean {
  return safeEqual(sha256Hex(token), storedHash);
}
