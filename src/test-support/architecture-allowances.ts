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
export const ALLOWED_CYCLES: Array<{ why: string; files: string[] }> = [
  {
    why: "packages/ mutators -> authz/ (decide) -> packages/ (getRole) and tokens/ (tokenCovers) -> packages/; issue 12 item 2 (mutators take a grant from authorize()) breaks it",
    files: [
      "authz/decide.ts",
      "authz/index.ts",
      "authz/posture.ts",
      "authz/requirement.ts",
      "packages/dist-tags.ts",
      "packages/index.ts",
      "packages/manage.ts",
      "packages/owners.ts",
      "packages/people.ts",
      "packages/publish.ts",
      "packages/settings.ts",
      "packages/unpublish.ts",
      "tokens/cli.ts",
      "tokens/index.ts",
      "tokens/service.ts",
    ],
  },
];

/**
 * Folders still allowed to build errors with `new AppError(` instead of a catalogue (issue 12 item 6):
 * another helper is rewriting them (item 2, mutators take a grant from authorize()). Everywhere else,
 * only src/lib/errors.ts constructs one (a catalogue's helper, or reraise()/refusal() for an error
 * received from elsewhere).
 */
export const ALLOWED_APP_ERROR_FOLDERS: string[] = ["authz/", "packages/", "tokens/"];

/** Catalogue entries nothing throws yet, in those same folders: delete them or throw them. */
export const ALLOWED_UNUSED_ERRORS: string[] = [
  "packageErrors.LOOKALIKE",
  "packageErrors.NOT_A_MAINTAINER",
  "tokenErrors.TOKEN_OUT_OF_SCOPE",
];
