/** Multi-factor authentication: TOTP, WebAuthn keys and passkeys, recovery codes, second step, sudo. */
export {
  type Challenge,
  createChallenge,
  peekChallenge,
  purgeChallenges,
  spendChallenge,
} from "./challenges.js";
export {
  beginCliTotpEnrollment,
  cancelCliTotpEnrollment,
  confirmCliTotpEnrollment,
  hasPendingTotp,
  removeTotpReauthenticated,
} from "./cli-enroll.js";
export {
  beginTotpEnrollment,
  completeCheckup,
  confirmTotpEnrollment,
  onFactorAdded,
  regenerateRecoveryCodes,
  removeKey,
  removeTotp,
  requireSudo,
  resumeTotpEnrollment,
  type TotpEnrollment,
} from "./enroll.js";
export { mfaErrors } from "./errors.js";
export { type FactorSummary, factorSummary, type KeyInfo, listKeys } from "./factors.js";
export { checkGuessable, type GuessableFactor } from "./guard.js";
export {
  afterPassword,
  CHECKUP_AFTER,
  completeSecondStep,
  type PasswordOutcome,
  type PendingLogin,
  pendingLogin,
  SECOND_STEP_TTL,
} from "./login.js";
export { type MfaDeps, mfaEvent } from "./notify.js";
export { mfaStatus, resetMfa, wipeFactors } from "./operator.js";
export {
  RECOVERY_CODE_COUNT,
  recoveryCodesConfirmed,
  remainingRecoveryCodes,
  spendRecoveryCode,
} from "./recovery-codes.js";
export { confirmSavedRecoveryCodes, openRecoveryCodes, sealRecoveryCodes } from "./recovery-confirm.js";
export {
  checkRememberedBrowser,
  forgetBrowsers,
  listRememberedBrowsers,
  REMEMBER_FOR,
  type RememberedBrowser,
} from "./remembered.js";
export {
  type ActorStrength,
  actorStrength,
  actorStrengths,
  describeStrength,
  meets,
  type Strength,
} from "./strength.js";
export { confirmSudoMfa } from "./sudo.js";
export { normalizeCode, otpauthUri, PERIOD_MS, verifyTotp } from "./totp.js";
export {
  type AddedKey,
  finishKeyRegistration,
  type KeyRegistration,
  keyRegistrationOptions,
  renameKey,
} from "./webauthn.js";
export { approvalKeyOptions, verifyApprovalKey } from "./webauthn-approval.js";
export {
  type CeremonyOptions,
  cleanLabel,
  KEY_KINDS,
  type KeyKind,
  LABEL_MAX,
  lockUser,
  relyingParty,
} from "./webauthn-common.js";
export {
  type Assertion,
  completeSecondStepWithKey,
  confirmSudoWithPasskey,
  passkeyOptions,
  recoveryStopKeyOptions,
  secondStepKeyOptions,
  signInWithPasskey,
  sudoPasskeyOptions,
  verifyRecoveryStopKey,
} from "./webauthn-login.js";
