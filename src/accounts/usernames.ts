import { accountErrors } from "./errors.js";

// PyPI's rule plus the 50-character cap: letters/digits at both ends, so "." or "-x" cannot be names.
const USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$/;

/**
 * The form uniqueness is decided on: NFKC folds compatibility forms (fullwidth "ａ" → "a"), then case is
 * folded. Two names with the same canonical form can never both exist, so look-alikes cannot be
 * registered to impersonate someone.
 */
export function canonicalUsername(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export function validateUsername(raw: string): string {
  const name = raw.trim();
  if (!USERNAME.test(name)) throw accountErrors.USERNAME_INVALID();
  return name;
}

export function canonicalEmail(email: string): string {
  return email.trim().normalize("NFKC").toLowerCase();
}

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by the
// verification link, not by a regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw accountErrors.EMAIL_INVALID();
  return email;
}
