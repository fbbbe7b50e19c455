import { tokenErrors } from "./errors.js";

/**
 * The rules a token request is judged by, one function each, shared by the domain (which always checks)
 * and the token form (which checks every field first so it can report them all at once).
 */

/** A token's name as stored: trimmed, 1 to 100 characters. */
export function tokenName(raw: string): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 100) throw tokenErrors.NAME_INVALID();
  return name;
}

/** null = never expires; otherwise a whole number of days from 1 to 3650. */
export function checkExpiryDays(days: number | null): void {
  if (days === null) return;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw tokenErrors.EXPIRY_INVALID();
}

/** A project-scoped token names at least one project (null = the whole account). */
export function checkScopeChosen(projectIds: readonly string[] | null): void {
  if (projectIds !== null && projectIds.length === 0)
    throw tokenErrors.PROJECT_NOT_YOURS("Pick at least one project, or choose the whole account.");
}
