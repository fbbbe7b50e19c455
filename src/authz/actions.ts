/**
 * Every write Wharf knows, and what it takes. Written down once: the MFA gate (the project's own
 * requirement, active mandates, a recovered account's enrolment) applies to every action whose `gated`
 * is true, on every surface (web, twine, npm, the API), because each of them changes what users
 * install or who can (issue 13, item 1: deprecate and unpublish once slipped past an enforced mandate).
 */
export const ACTIONS = {
  upload: { role: "maintainer", gated: true, what: "publish a file or version" },
  "create-project": { role: null, gated: true, what: "create a project by publishing it" },
  "dist-tag": { role: "maintainer", gated: true, what: "point or remove an npm dist-tag" },
  deprecate: { role: "owner", gated: true, what: "deprecate or undeprecate versions" },
  unpublish: { role: "owner", gated: true, what: "unpublish versions (npm)" },
  yank: { role: "owner", gated: true, what: "yank or unyank a release (PEP 592)" },
  delete: { role: "owner", gated: true, what: "delete a release or a file" },
  "manage-people": { role: "owner", gated: true, what: "invite, add or remove owners and maintainers" },
  "manage-settings": { role: "owner", gated: true, what: "change access and MFA settings" },
  // Not gated: approving takes a second factor given for the request itself (staging/decide.ts); its
  // decision carries the staging rule in force (`stage`), and a phishing-resistant one, now or when the
  // release was staged, means only a security key or passkey approves.
  "approve-staged": {
    role: "maintainer",
    gated: false,
    what: "approve or reject a staged release (with a second factor, given just now)",
  },
  // Not gated: it reads, and writes nothing (issue 16: the preview index only maintainers can read).
  "read-staged": {
    role: "maintainer",
    gated: false,
    what: "install a staged release from its preview index before it is approved",
  },
  "create-token": { role: "maintainer", gated: true, what: "create an API token that can write" },
} as const satisfies Record<string, { role: "owner" | "maintainer" | null; gated: boolean; what: string }>;

export type Action = keyof typeof ACTIONS;

/** The mandate-gated writes, for tests and documentation: every write but a staged approval is gated. */
export const GATED_ACTIONS = (Object.keys(ACTIONS) as Action[]).filter((a) => ACTIONS[a].gated);
