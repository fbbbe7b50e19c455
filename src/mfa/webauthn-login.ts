import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import {
  type AuthProof,
  type LoginResult,
  type RequestContext,
  type Session,
  startSession,
  type User,
} from "../accounts/index.js";
import { checkupDue, completeSecondStep, pendingLogin, type SecondStepResult } from "./login.js";
import type { MfaDeps } from "./notify.js";
import { confirmSudoMfa } from "./sudo.js";
import { assertionOptions, verifyAssertion } from "./webauthn-assert.js";
import type { CeremonyOptions } from "./webauthn-common.js";

type Options = CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>;

/** What a key used after the password proves: a phishing-resistant second factor. */
const KEY_PROOF: AuthProof = { method: "webauthn", phishingResistant: true };
/** A passkey alone: possession plus user verification (PIN or biometrics), bound to our origin. */
const PASSKEY_PROOF: AuthProof = { method: "passkey", phishingResistant: true };

export interface Assertion {
  challengeId: string;
  response: unknown;
}

/**
 * (a) The second step with a security key, for whoever holds the password step's token. User
 * verification is only preferred: the password already was the "something you know".
 */
export async function secondStepKeyOptions(deps: MfaDeps, token: string): Promise<Options> {
  const { user } = await pendingLogin(deps, token);
  return assertionOptions(deps, "webauthn-login", user.id, "preferred");
}

export async function completeSecondStepWithKey(
  deps: MfaDeps,
  ctx: RequestContext,
  token: string,
  assertion: Assertion,
  opts: { previousCookie?: string; knownBrowser: (userId: string) => boolean },
): Promise<SecondStepResult> {
  const { user } = await pendingLogin(deps, token);
  await verifyAssertion(deps, ctx, {
    purpose: "webauthn-login",
    ...assertion,
    userId: user.id,
    requireUserVerification: false,
    requirePasskey: false,
  });
  // Security keys never pass through the TOTP/recovery-code limits (guard.ts): a guesser must not be
  // able to lock the owner out of the one factor phishing cannot steal.
  return completeSecondStep(
    deps,
    ctx,
    token,
    { kind: "proof", proof: KEY_PROOF },
    { ...opts, remember: false },
  );
}

/** (b) Sign-in without a password: no account is named until the authenticator picks a passkey. */
export async function passkeyOptions(deps: MfaDeps, ip: string): Promise<Options> {
  // Unauthenticated and each call stores a challenge: a generous per-IP budget stops table flooding.
  await deps.limits.consume("webauthnIp", ip);
  return assertionOptions(deps, "webauthn-passkey", null, "required");
}

export async function signInWithPasskey(
  deps: MfaDeps,
  ctx: RequestContext,
  assertion: Assertion,
  previousCookie?: string,
): Promise<{ login: LoginResult; checkupDue: boolean }> {
  await deps.limits.consume("webauthnIp", ctx.ip);
  const { user } = await verifyAssertion(deps, ctx, {
    purpose: "webauthn-passkey",
    ...assertion,
    userId: null,
    requireUserVerification: true,
    requirePasskey: true,
  });
  const login = await startSession(deps, ctx, user, PASSKEY_PROOF, previousCookie);
  return { login, checkupDue: await checkupDue(deps, user.id) };
}

/** (c) Sudo mode with a passkey alone (user verification required), for the signed-in account. */
export function sudoPasskeyOptions(deps: MfaDeps, user: User): Promise<Options> {
  return assertionOptions(deps, "webauthn-sudo", user.id, "required");
}

export async function confirmSudoWithPasskey(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  assertion: Assertion,
): Promise<void> {
  await verifyAssertion(deps, ctx, {
    purpose: "webauthn-sudo",
    ...assertion,
    userId: user.id,
    requireUserVerification: true,
    requirePasskey: true,
  });
  await confirmSudoMfa(deps, ctx, user, session, { passkey: PASSKEY_PROOF });
}

/**
 * (d) Proof of a key alone, without the password, for stopping an account recovery: someone who took
 * over the email may also have reset the password, and the real owner's key must still be able to say no.
 */
export function recoveryStopKeyOptions(deps: MfaDeps, userId: string): Promise<Options> {
  return assertionOptions(deps, "webauthn-recovery-stop", userId, "preferred");
}

export async function verifyRecoveryStopKey(
  deps: MfaDeps,
  ctx: RequestContext,
  userId: string,
  assertion: Assertion,
): Promise<User> {
  const { user } = await verifyAssertion(deps, ctx, {
    purpose: "webauthn-recovery-stop",
    ...assertion,
    userId,
    requireUserVerification: false,
    requirePasskey: false,
  });
  return user;
}
