import { catalogue } from "../../lib/errors.js";

/**
 * The gem client prints a refusal's body as it is (push, signin, owner) or even on success (yank), so
 * each message is one sentence that says what to do. Two prefixes are part of the protocol: a 401 body
 * starting with OTP_REQUIRED's first words makes the client ask for a code and retry, and a 403 body
 * starting with "The API key doesn't have access" makes it ask for the password to widen the key —
 * which Wharf does not do, so no message here starts that way.
 */
export const gemErrors = catalogue({
  KEY_REQUIRED: { status: 401, message: "Sign in first: gem signin --host <this registry>/rubygems" },
  KEY_READONLY: {
    status: 403,
    message:
      "This API key cannot change gems (it was made without the push_rubygem, yank_rubygem, add_owner or remove_owner scope): run gem signout, then gem signin and answer y for the scope you need.",
  },
  OTP_REQUIRED: {
    status: 401,
    message:
      "You have enabled multifactor authentication but your request doesn't have the correct OTP code. Please check it and retry.",
  },
  MFA_NEEDED: {
    status: 403,
    message:
      "This gem requires multifactor authentication: set up an authenticator app on your account first.",
  },
  KEY_UPDATE_UNSUPPORTED: {
    status: 400,
    message:
      "This registry does not widen existing keys: run gem signout, then gem signin and choose the scopes you need.",
  },
  OTP_UNAVAILABLE: {
    status: 401,
    message: "This account has no authenticator app: pass one of your recovery codes with --otp.",
  },
  // gem >= 3.4 asks for a code instead when this request is refused (any 4xx).
  WEBAUTHN_UNAVAILABLE: {
    status: 422,
    message:
      "You don't have any security devices enabled: use the code from your authenticator app or a recovery code.",
  },
  BODY_INVALID: { status: 400, message: "The request is not what the gem client sends." },
  VERSION_EXISTS: {
    status: 409,
    message: "This version of the gem already exists: bump the version and push again.",
  },
  VERSION_YANKED: {
    status: 409,
    message: "This version was yanked and its number is never used again: bump the version and push again.",
  },
  NAME_CASE: { status: 409, message: "A gem with this name in another case exists: use its exact name." },
  GEM_NOT_FOUND: { status: 404, message: "This gem could not be found." },
  OWNER_NOT_FOUND: { status: 404, message: "Owner could not be found: check the email or user name." },
  ALREADY_YANKED: { status: 422, message: "This version has already been yanked." },
  YANK_PLATFORM: {
    status: 422,
    message: "This registry yanks a version with all its platforms: run gem yank without --platform.",
  },
  TOO_LARGE: { status: 413, message: "The gem is larger than this registry accepts." },
});
