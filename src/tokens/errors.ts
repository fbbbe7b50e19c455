import { catalogue } from "../lib/errors.js";

// Messages end up in twine's reason phrase and npm's error line: one ASCII sentence that says what to do.
export const tokenErrors = catalogue({
  TOKEN_INVALID: { status: 403, message: "Invalid API token: it does not exist or is malformed." },
  TOKEN_REVOKED: { status: 403, message: "This API token has been revoked. Create a new one." },
  TOKEN_EXPIRED: { status: 403, message: "This API token has expired. Create a new one." },
  NAME_INVALID: { status: 400, field: "name", message: "Give the token a name of 1 to 100 characters." },
  NAME_TAKEN: { status: 409, field: "name", message: "You already have an active token with this name." },
  EXPIRY_INVALID: {
    status: 400,
    field: "expires",
    message: "Expiry must be a whole number of days between 1 and 3650.",
  },
  PROJECT_NOT_YOURS: {
    status: 400,
    field: "projects",
    message: "A token can only be scoped to projects you maintain.",
  },
  EMAIL_UNVERIFIED: { status: 403, message: "Verify your email address before creating API tokens." },
  SUDO_REQUIRED: { status: 403, message: "Confirm it is you to create tokens." },
  // A token grant handed to the wrong request: a bug in the surface, never the user's doing.
  GRANT_MISMATCH: { status: 500, message: "Internal error: the authorization was for another token." },
  NOT_FOUND: { status: 404, message: "That token does not exist." },
  // 004 (npm token options)
  TOKEN_ADDRESS: { status: 403, message: "This API token may not be used from this address." },
  CIDR_INVALID: { status: 400, field: "cidr", message: "Invalid CIDR range: use a.b.c.d/n." },
  // 031: minted by a trusted publisher's OIDC exchange: it uploads to its one project, nothing else.
  TOKEN_PUBLISH_ONLY: {
    status: 403,
    message:
      "This token was minted by trusted publishing: it can only upload to its project (no tokens, people, settings or other changes).",
  },
  TOKEN_READONLY: {
    status: 403,
    message: "This API token is read-only: it cannot publish or change anything.",
  },
});
