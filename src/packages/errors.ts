import { catalogue } from "../lib/errors.js";

export const packageErrors = catalogue({
  PROJECT_NOT_FOUND: { status: 404, message: "No such project." },
  RELEASE_NOT_FOUND: { status: 404, message: "No such release." },
  FILE_NOT_FOUND: { status: 404, message: "No such file." },
  NOT_AN_OWNER: { status: 403, message: "Only owners of this project can do that." },
  LAST_OWNER: { status: 400, message: "A project must keep at least one owner. Add another owner first." },
  USER_NOT_FOUND: { status: 404, field: "username", message: "No user with that name." },
  ALREADY_A_MEMBER: {
    status: 409,
    field: "username",
    message: "That user already has a role on this project.",
  },
  ALREADY_INVITED: { status: 409, field: "username", message: "That user already has a pending invitation." },
  INVITATION_NOT_FOUND: { status: 404, message: "That invitation does not exist or has expired." },
  ROLE_INVALID: { status: 400, field: "role", message: "The role must be Owner or Maintainer." },
  YANK_REASON_TOO_LONG: { status: 400, field: "reason", message: "Keep the reason under 500 characters." },
  NAME_PROHIBITED: { status: 400, message: "This name is not allowed on this registry." },
  // A grant minted for one user handed to a mutator acting for another: a bug in the surface.
  GRANT_OTHER_USER: { status: 500, message: "Internal error: an authorization was used for another user." },
  STAGE_RULE_INVALID: {
    status: 400,
    field: "stage",
    message:
      "Choose publish directly, approval with a second factor, or approval with a security key or passkey.",
  },
  REQUIREMENT_INVALID: {
    status: 400,
    field: "requirement",
    message: "Choose none, two-factor authentication, or a security key or passkey.",
  },
  LOOKALIKE: { status: 403, message: "This project name is too similar to an existing project." },
  TYPOSQUAT: { status: 403, message: "This project name is too similar to a popular project." },
  FILE_EXISTS: {
    status: 400,
    message: "File already exists. A file name can only be used once, even after deletion.",
  },
  BUSY: { status: 503, message: "The registry is busy with concurrent uploads to this project. Try again." },
  TOO_MANY_INSPECTIONS: {
    status: 429,
    message: "You already have too many uploads being checked. Wait for them to finish, then try again.",
  },
  UNPUBLISH_WINDOW: {
    status: 403,
    message: "Versions can only be unpublished within 72 hours of publishing. Deprecate it instead.",
  },
  TAG_LATEST: { status: 400, message: "The latest tag cannot be removed; point it at another version." },
  TAG_NOT_FOUND: { status: 404, message: "No such dist-tag." },
});
