import { distErrors, shown } from "./errors.js";

/** PyPI's project name rule (the core metadata spec's "Name" field), matched case-insensitively. */
const PROJECT_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** Longest project name accepted; bounds index keys, URLs and file names built from the name. */
export const MAX_PROJECT_NAME_LENGTH = 200;

export function isValidProjectName(name: string): boolean {
  return name.length <= MAX_PROJECT_NAME_LENGTH && PROJECT_NAME.test(name);
}

/**
 * Throws the catalogue error that explains why a name is refused. Non-ASCII gets its own message:
 * Unicode letters that look like ASCII ones (Cyrillic 'а', the Kelvin sign 'K', fullwidth forms)
 * would let an attacker register a name that reads exactly like a popular project.
 */
export function assertValidProjectName(name: string): void {
  if (/[\u0080-\uffff]/.test(name)) {
    throw distErrors.PROJECT_NAME_NOT_ASCII(
      `Invalid project name '${shown(name)}': only ASCII letters, digits, '.', '_' and '-' are allowed`,
    );
  }
  if (name.length > MAX_PROJECT_NAME_LENGTH) {
    throw distErrors.PROJECT_NAME_INVALID(
      `Invalid project name '${shown(name)}': at most ${MAX_PROJECT_NAME_LENGTH} characters`,
    );
  }
  if (!PROJECT_NAME.test(name)) {
    throw distErrors.PROJECT_NAME_INVALID(
      `Invalid project name '${shown(name)}': use ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit`,
    );
  }
}

/**
 * PEP 503 normalization: lowercase, every run of '-', '_' and '.' becomes one '-'. Two names with the
 * same normalized form are the same project (pip asks for /simple/<normalized>/).
 */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/**
 * A stricter key used only to refuse *new* projects that look like an existing one (typosquatting),
 * following Warehouse's `ultranormalize_name`:
 *  1. PEP 503 normalization (so case and separator runs already agree),
 *  2. separators removed entirely ("req-uests" ~ "requests"),
 *  3. confusable folds: 'l' and 'i' -> '1' (after lowercasing, 'I', 'l' and '1' are near
 *     indistinguishable in many fonts), 'o' -> '0' (letter O vs digit zero).
 * Nothing else is folded (e.g. "rn" vs "m", "vv" vs "w"): wider folds make unrelated names collide,
 * and the registry refuses on a collision, so every extra fold costs legitimate names.
 */
export function ultranormalizeName(name: string): string {
  return normalizeName(name).replace(/-/g, "").replace(/[li]/g, "1").replace(/o/g, "0");
}
