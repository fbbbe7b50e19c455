import type {
  PublicKeyCredentialCreationOptionsJSON,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { RequestContext, Session, User } from "../accounts/index.js";
import { isUniqueViolation, transaction } from "../db/index.js";
import { newId } from "../lib/ids.js";
import * as mails from "../notify/templates/mfa.js";
import { createChallenge, spendChallenge } from "./challenges.js";
import { onFactorAdded, requireSudo } from "./enroll.js";
import { mfaErrors } from "./errors.js";
import { factorSummary } from "./factors.js";
import { type MfaDeps, mfaEvent } from "./notify.js";
import {
  assertLabelFree,
  CEREMONY_TIMEOUT_MS,
  type CeremonyOptions,
  CHALLENGE_TTL_MS,
  challengeBytes,
  cleanLabel,
  type KeyKind,
  lockUser,
  parseRegistrationResponse,
  relyingParty,
  userCredentials,
  userHandle,
  webauthnServer,
} from "./webauthn-common.js";

/**
 * Step 1 of adding a key (sudo required: NIST 800-63B, authenticate before binding an authenticator).
 * The label is checked now, so nobody touches their key only to be told the name is taken.
 */
export async function keyRegistrationOptions(
  deps: MfaDeps,
  user: User,
  session: Session,
  kind: KeyKind,
  rawLabel: string,
): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  requireSudo(deps, session);
  const rp = relyingParty(deps);
  await assertLabelFree(deps.db, user.id, cleanLabel(rawLabel));
  const challenge = await createChallenge(
    deps.db,
    deps.clock.now(),
    "webauthn-register",
    user.id,
    CHALLENGE_TTL_MS,
  );
  const { generateRegistrationOptions } = await webauthnServer();
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.username,
    userDisplayName: user.username,
    userID: userHandle(user.id),
    challenge: challengeBytes(challenge.challenge),
    timeout: CEREMONY_TIMEOUT_MS,
    // We do not check makes and models, so we ask for no attestation (and learn nothing identifying).
    attestationType: "none",
    // The browser refuses to register the same authenticator twice for this account.
    excludeCredentials: await userCredentials(deps.db, user.id),
    authenticatorSelection:
      kind === "passkey"
        ? // A passkey replaces the password: it must be discoverable and verify the user (PIN, biometrics).
          { residentKey: "required", requireResidentKey: true, userVerification: "required" }
        : // A second factor after the password: presence is enough; do not fill the key's resident slots.
          { residentKey: "discouraged", requireResidentKey: false, userVerification: "preferred" },
  });
  return { challengeId: challenge.id, options };
}

export interface KeyRegistration {
  kind: KeyKind;
  label: string;
  challengeId: string;
  /** The browser's RegistrationResponseJSON, as an object or a JSON string (from a form field). */
  response: unknown;
}

export interface AddedKey {
  id: string;
  label: string;
  /** The recovery codes, in clear, when this key is the first factor: show them once, store nothing. */
  recoveryCodes: string[] | null;
}

/** Step 2: verifies the new credential against the single-use challenge and stores it. */
export async function finishKeyRegistration(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  input: KeyRegistration,
): Promise<AddedKey> {
  requireSudo(deps, session);
  const rp = relyingParty(deps);
  const label = cleanLabel(input.label);
  const response = parseRegistrationResponse(input.response);
  const now = deps.clock.now();
  // Spent before verification, by compare-and-swap: a replayed or raced response finds it gone.
  const challenge = await spendChallenge(deps.db, now, input.challengeId, "webauthn-register", user.id);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    const { verifyRegistrationResponse } = await webauthnServer();
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: input.kind === "passkey",
    });
  } catch (e) {
    deps.log.info({ err: e }, "webauthn registration refused");
    throw mfaErrors.WEBAUTHN_FAILED();
  }
  if (!verified.verified) throw mfaErrors.WEBAUTHN_FAILED();
  const info = verified.registrationInfo;
  // credProps is reported by the browser (unsigned); a passkey that says it is not discoverable is refused.
  const credProps = response.clientExtensionResults.credProps;
  if (input.kind === "passkey" && credProps?.rk === false) {
    throw mfaErrors.WEBAUTHN_FAILED("This authenticator cannot hold a passkey. Add it as a security key.");
  }
  const id = newId(now);
  let codes: string[] | null;
  try {
    codes = await transaction(deps.db, async (tx) => {
      await lockUser(tx, user.id);
      await assertLabelFree(tx, user.id, label);
      const wasEnrolled = (await factorSummary(tx, user.id)).enrolled;
      await tx
        .insertInto("webauthn_credentials")
        .values({
          id,
          user_id: user.id,
          credential_id: info.credential.id,
          public_key: Buffer.from(info.credential.publicKey).toString("base64url"),
          counter: info.credential.counter,
          transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
          aaguid: info.aaguid,
          backup_eligible: info.credentialDeviceType === "multiDevice" ? 1 : 0,
          backup_state: info.credentialBackedUp ? 1 : 0,
          is_passkey: input.kind === "passkey" ? 1 : 0,
          label,
          created_at: now,
          last_used_at: null,
        })
        .execute();
      const codes = await onFactorAdded(deps, tx, user, ctx, wasEnrolled);
      await mfaEvent(
        tx,
        now,
        ctx,
        user,
        "mfa.key_added",
        { label, kind: input.kind },
        {
          template: mails.keyAdded,
          vars: { username: user.username, kind: input.kind, label, codes: Boolean(codes) },
        },
      );
      return codes;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw mfaErrors.WEBAUTHN_FAILED("This security key is already registered.");
    throw e;
  }
  return { id, label, recoveryCodes: codes };
}

/** Renames one of the user's keys (sudo): labels are how people tell their keys apart when one is lost. */
export async function renameKey(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  keyId: string,
  rawLabel: string,
): Promise<void> {
  requireSudo(deps, session);
  const label = cleanLabel(rawLabel);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    await lockUser(tx, user.id);
    const key = await tx
      .selectFrom("webauthn_credentials")
      .select(["label", "is_passkey"])
      .where("id", "=", keyId)
      .where("user_id", "=", user.id)
      .executeTakeFirst();
    if (!key) throw mfaErrors.KEY_NOT_FOUND();
    if (key.label === label) return;
    await assertLabelFree(tx, user.id, label, keyId);
    await tx.updateTable("webauthn_credentials").set({ label }).where("id", "=", keyId).execute();
    await mfaEvent(tx, now, ctx, user, "mfa.key_renamed", {
      from: key.label,
      to: label,
      kind: key.is_passkey === 1 ? "passkey" : "security-key",
    });
  });
}
