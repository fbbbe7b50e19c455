import { catalogue } from "../lib/errors.js";

// The refusals of authorize(). Messages reach twine's reason phrase, npm's error line and the pages, so
// each says what to do; call sites pass the project-specific sentence, the default is the generic one.
export const authzErrors = catalogue({
  EMAIL_UNVERIFIED: { status: 403, message: "Verify your account's email address before publishing." },
  TOKEN_SCOPE: { status: 403, message: "This API token is not scoped to this project." },
  NOT_A_MAINTAINER: { status: 403, message: "You are not an owner or maintainer of this project." },
  NOT_AN_OWNER: { status: 403, message: "Only owners of this project can do that." },
  PROJECT_NOT_FOUND: { status: 404, message: "No such project." },
  QUARANTINED: {
    status: 403,
    message: "This project is quarantined: it cannot be changed until the registry's operators review it.",
  },
  PROJECT_REQUIRES_MFA: {
    status: 403,
    message: "The owners of this project require two-factor authentication of everyone who publishes it.",
  },
  MFA_REQUIRED: { status: 403, message: "Two-factor authentication is required to publish." },
  RECOVERY_ENROLL_FIRST: {
    status: 403,
    message: "Your account was recovered: set up two-factor authentication before publishing.",
  },
  // 031: what a trusted publisher's token may not do (it only uploads to its project).
  PUBLISHER_UPLOAD_ONLY: {
    status: 403,
    message: "A trusted publisher can only upload to its project.",
  },
  // A grant handed to the wrong mutator is a bug in the surface, never the user's doing.
  GRANT_MISMATCH: { status: 500, message: "Internal error: an authorization was used for another action." },
});
