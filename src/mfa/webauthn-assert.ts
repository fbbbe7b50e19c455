import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from "@simplewebauthn/server";
import { accountErrors, getUser, type RequestContext, type User } from "../accounts/index.js";
import * as mails from "../notify/templates/mfa.js";
import { type ChallengePurpose, createChallenge, spendChallenge } from "./challenges.js";
import { mfaErrors } from "./errors.js";
import { type MfaDeps, mfaEvent } from "./notify.js";
import {
  CEREMONY_TIMEOUT_MS,
  type CeremonyOptions,
  CHALLENGE_TTL_MS,
  challengeBytes,
  parseAuthenticationResponse,
  parseTransports,
  relyingParty,
  userCredentials,
  userHandle,
  webauthnServer,
} from "./webauthn-common.js";

export type AssertionPurpose = Extract<
  ChallengePurpose,
  | "webauthn-login"
  | "webauthn-passkey"
  | "webauthn-sudo"
  | "webauthn-recovery-stop"
  | `webauthn-approval:${string}`
>;

/** Options for navigator.credentials.get(), with a fresh single-use challenge bound to `userId`. */
export async function assertionOptions(
  deps: MfaDeps,
  purpose: AssertionPurpose,
  userId: string | null,
  userVerification: "required" | "preferred",
): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  const rp = relyingParty(deps);
  // A passkey sign-in names no account yet: the authenticator offers its discoverable credentials.
  const allowCredentials = userId ? await userCredentials(deps.db, userId, purpose === "webauthn-sudo") : [];
  if (userId && allowCredentials.length === 0) throw mfaErrors.KEY_NOT_FOUND("You have no security key.");
  const challenge = await createChallenge(deps.db, deps.clock.now(), purpose, userId, CHALLENGE_TTL_MS);
  const { generateAuthenticationOptions } = await webauthnServer();
  const options = await generateAuthenticationOptions({
    rpID: rp.rpID,
    allowCredentials,
    challenge: challengeBytes(challenge.challenge),
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification,
  });
  return { challengeId: challenge.id, options };
}

export interface AssertionCheck {
  purpose: AssertionPurpose;
  challengeId: string;
  response: unknown;
  /** The account the challenge was issued to; null for a passkey sign-in (the key names the account). */
  userId: string | null;
  requireUserVerification: boolean;
  requirePasskey: boolean;
}

/**
 * Verifies an assertion (WebAuthn §7.2) and returns whose key it was. Every check that can fail does
 * so with the same message, except a counter regression, which the owner must hear about.
 */
export async function verifyAssertion(
  deps: MfaDeps,
  ctx: RequestContext,
  check: AssertionCheck,
): Promise<{ user: User; keyId: string }> {
  const rp = relyingParty(deps);
  const response = parseAuthenticationResponse(check.response);
  const now = deps.clock.now();
  // Single use, compare-and-swap, before anything else: a replayed assertion finds the challenge spent.
  const challenge = await spendChallenge(deps.db, now, check.challengeId, check.purpose, check.userId);
  const row = await deps.db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("credential_id", "=", response.id)
    .executeTakeFirst();
  if (!row || (check.userId !== null && row.user_id !== check.userId)) throw mfaErrors.WEBAUTHN_FAILED();
  if (check.requirePasskey && row.is_passkey !== 1) {
    throw mfaErrors.WEBAUTHN_FAILED(
      "This key is registered as a second factor, not a passkey: sign in with your password, then use it.",
    );
  }
  const user = await getUser(deps.db, row.user_id);
  if (!user) throw mfaErrors.WEBAUTHN_FAILED();
  if (user.isFrozen) throw accountErrors.ACCOUNT_FROZEN();
  checkUserHandle(response, user.id);
  const stored = Number(row.counter);
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>["authenticationInfo"];
  try {
    const { verifyAuthenticationResponse } = await webauthnServer();
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      // Counter 0 here: the library would refuse a regression before checking the signature, and
      // we want to know the signature is genuine before we call it a cloned key and alarm the owner.
      credential: {
        id: row.credential_id,
        publicKey: new Uint8Array(Buffer.from(row.public_key, "base64url")),
        counter: 0,
        transports: parseTransports(row.transports),
      },
      requireUserVerification: check.requireUserVerification,
    });
    if (!result.verified) throw new Error("signature does not verify");
    info = result.authenticationInfo;
  } catch (e) {
    deps.log.info({ err: e, purpose: check.purpose }, "webauthn assertion refused");
    throw mfaErrors.WEBAUTHN_FAILED();
  }
  const next = info.newCounter;
  // WebAuthn §6.1.1: a signature counter that does not grow (when either value is non-zero) means two
  // copies of the private key may exist. The compare-and-swap also catches a racing use of the same key.
  const regressed = (next > 0 || stored > 0) && next <= stored;
  const won =
    !regressed &&
    (
      await deps.db
        .updateTable("webauthn_credentials")
        .set({ counter: next, last_used_at: now, backup_state: info.credentialBackedUp ? 1 : 0 })
        .where("id", "=", row.id)
        .where("counter", next > 0 ? "<" : "=", next)
        .executeTakeFirst()
    ).numUpdatedRows === 1n;
  if (!won) {
    await mfaEvent(
      deps.db,
      now,
      ctx,
      user,
      "mfa.counter_regression",
      { label: row.label, stored, received: next },
      {
        template: mails.clonedKeyRefused,
        vars: { username: user.username, label: row.label, next, stored },
      },
    );
    throw mfaErrors.COUNTER_REGRESSED();
  }
  return { user, keyId: row.id };
}

/** A discoverable credential returns the user handle it was created with: it must name the key's owner. */
function checkUserHandle(response: AuthenticationResponseJSON, userId: string): void {
  const handle = response.response.userHandle;
  if (handle && handle !== Buffer.from(userHandle(userId)).toString("base64url")) {
    throw mfaErrors.WEBAUTHN_FAILED();
  }
}
