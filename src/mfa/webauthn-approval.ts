import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { RequestContext, User } from "../accounts/index.js";
import type { MfaDeps } from "./notify.js";
import { assertionOptions, verifyAssertion } from "./webauthn-assert.js";
import type { CeremonyOptions } from "./webauthn-common.js";
import type { Assertion } from "./webauthn-login.js";

/**
 * (e) A key used to approve one decision on one thing, e.g. "approve staged release <id>" (issue 16):
 * the challenge is issued for `binding` and stored under it as its purpose, so an assertion made for
 * one release, or for rejecting it, cannot be spent on another release or on approving it. Any of the
 * account's keys counts (security key or passkey); user verification is preferred, not required, as
 * for the second step after a password: the signed-in session already stands for what the person
 * knows, and the key adds possession, bound to our origin (phishing-resistant).
 */
export function approvalKeyOptions(
  deps: MfaDeps,
  user: User,
  binding: string,
): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  return assertionOptions(deps, `webauthn-approval:${binding}`, user.id, "preferred");
}

/** Checks the assertion against a challenge issued to `user` for `binding`, spending it once. */
export async function verifyApprovalKey(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  binding: string,
  assertion: Assertion,
): Promise<void> {
  await verifyAssertion(deps, ctx, {
    purpose: `webauthn-approval:${binding}`,
    ...assertion,
    userId: user.id,
    requireUserVerification: false,
    requirePasskey: false,
  });
}
