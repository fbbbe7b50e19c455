/**
 * Today's exceptions to the rules of src/architecture.test.ts. Every list may only shrink:
 * the test fails when a new entry would be needed and when an entry is no longer needed, so whoever
 * breaks a loop removes its files here.
 */

/** "file -> protocol file" imports from outside src/protocols/ still tolerated (none today). */
export const ALLOWED_PROTOCOL_IMPORTS: string[] = [];

/**
 * Runtime import cycles that existed when the check was added (issue 12), as sets of files. A cycle
 * is allowed only if all its files are in one set, so a file joining a loop fails the test.
 */
export const ALLOWED_CYCLES: Array<{ why: string; files: string[] }> = [];

/**
 * Folders still allowed to build errors with `new AppError(` instead of a catalogue (issue 12 item 6;
 * none today). Only src/lib/errors.ts constructs one: a catalogue's helper, or reraise()/refusal() for
 * an error received from elsewhere.
 */
export const ALLOWED_APP_ERROR_FOLDERS: string[] = [];

/** Catalogue entries nothing throws yet, in those same folders: delete them or throw them. */
export const ALLOWED_UNUSED_ERRORS: string[] = [];
