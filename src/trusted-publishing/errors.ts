import { catalogue } from "../lib/errors.js";

// Trusted publishing refusals. Messages reach npm's {error}, PyPI's mint-token JSON and the manage page,
// so each names what was wrong and what to do.
export const trustErrors = catalogue({
  PUBLISHER_INVALID: { status: 400, message: "This trusted publisher is not valid." },
  PUBLISHER_EXISTS: { status: 409, message: "This trusted publisher is already configured for the project." },
  PUBLISHER_NOT_FOUND: { status: 404, message: "No such trusted publisher on this project." },
  PENDING_NAME_TAKEN: {
    status: 409,
    message: "A project of this name exists already or is reserved by another pending publisher.",
  },
  // The OIDC token was valid but no publisher of the project accepts its claims.
  NO_MATCHING_PUBLISHER: { status: 403, message: "No trusted publisher of this project matches this token." },
  // Pending publishers per account (manage.ts MAX_PENDING_PER_ACCOUNT): each may create a project.
  PENDING_LIMIT: { status: 403, message: "This account holds as many pending publishers as it may." },
  PROJECT_NOT_FOUND: {
    status: 404,
    message: "No such project, and no pending trusted publisher creates it.",
  },
});
