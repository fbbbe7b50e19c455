/**
 * Today's exceptions to the import rules of src/architecture.test.ts. Both lists may only shrink:
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
    why: "packages/ -> policy/ (decide) -> tokens/ -> packages/, with web/ and recovery/ routes pulled in through the policy/ and web/ barrels; issue 12 item 2 (authz/) breaks it",
    files: [
      "admin/guard.ts",
      "packages/dist-tags.ts",
      "packages/index.ts",
      "packages/manage.ts",
      "packages/owners.ts",
      "packages/people.ts",
      "packages/publish.ts",
      "packages/settings.ts",
      "packages/unpublish.ts",
      "policy/api.ts",
      "policy/criticality-index.ts",
      "policy/index.ts",
      "policy/mandates-api.ts",
      "policy/posture-api.ts",
      "policy/posture.ts",
      "policy/requirement.ts",
      "recovery/complete.ts",
      "recovery/decide.ts",
      "recovery/index.ts",
      "recovery/proofs.ts",
      "recovery/submit.ts",
      "tokens/cli.ts",
      "tokens/index.ts",
      "tokens/service.ts",
      "web/context.tsx",
      "web/index.ts",
      "web/login-state.ts",
      "web/pages/project-parts.tsx",
      "web/pages/project.tsx",
      "web/pages/recovery.tsx",
      "web/routes/account.ts",
      "web/routes/auth.ts",
      "web/routes/giveaway.ts",
      "web/routes/guards.ts",
      "web/routes/login-mfa.ts",
      "web/routes/manage.ts",
      "web/routes/project.ts",
      "web/routes/projects.ts",
      "web/routes/recovery.ts",
      "web/routes/scopes.ts",
      "web/routes/sudo.ts",
      "web/routes/tokens.ts",
      "web/routes/two-factor.ts",
      "web/routes/webauthn-keys.ts",
      "web/routes/webauthn.ts",
    ],
  },

];
