import { catalogue } from "../lib/errors.js";

export const mfaErrors = catalogue({
  CODE_INVALID: { status: 400, field: "code", message: "That code is not correct." },
  CODE_CLOCK: {
    status: 400,
    field: "code",
    message:
      "That code is not valid now: your device's clock may be out of sync. Check its time settings and try again.",
  },
  CODE_REPLAYED: {
    status: 400,
    field: "code",
    message: "That code was already used. Wait for the next code.",
  },
  CODE_FORMAT: { status: 400, field: "code", message: "Enter the 6-digit code from your authenticator app." },
  RECOVERY_INVALID: {
    status: 400,
    field: "recovery_code",
    message: "That recovery code is not valid or was already used.",
  },
  TOTP_EXISTS: {
    status: 409,
    message: "You already have an authenticator app. Remove it first to replace it.",
  },
  TOTP_MISSING: { status: 404, message: "You have no authenticator app enrolled." },
  ENROLLMENT_EXPIRED: { status: 400, message: "This enrollment page expired. Start again." },
  CHALLENGE_INVALID: {
    status: 400,
    message: "This sign-in step expired or was already used. Sign in again.",
  },
  SUDO_REQUIRED: { status: 403, message: "Confirm it is you to continue." },
  NO_FACTORS: { status: 400, message: "Enroll a second factor first." },
  KEY_NOT_FOUND: { status: 404, message: "That security key does not exist." },
  LABEL_INVALID: { status: 400, field: "label", message: "Give the key a name of 1 to 64 characters." },
  LABEL_TAKEN: { status: 409, field: "label", message: "You already have a key with that name." },
  WEBAUTHN_UNAVAILABLE: {
    status: 503,
    message:
      "Security keys are unavailable: this registry's WHARF_ORIGIN is an IP address, which WebAuthn does not allow. Ask its operators to use a domain name (or localhost).",
  },
  SAVED_CODE_WRONG: {
    status: 400,
    field: "saved_code",
    message: "That is not one of the codes above. Type one of them as you saved it (dashes are optional).",
  },
  CODES_PAGE_EXPIRED: {
    status: 400,
    message:
      "This page of recovery codes expired. If you did not save them, generate new ones from the two-factor page.",
  },
  CODES_REPLACED: {
    status: 409,
    message:
      "These recovery codes are no longer your current set: new ones were generated since. Save the newest set.",
  },
  WEBAUTHN_FAILED: { status: 400, message: "The security key could not be verified. Try again." },
  COUNTER_REGRESSED: {
    status: 400,
    message:
      "This security key reported a signature counter that went backwards: it may have been cloned. Sign-in refused.",
  },
});
