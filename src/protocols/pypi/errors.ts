import { catalogue } from "../../lib/errors.js";

/**
 * Refusals of the upload API and the read endpoints. twine shows only the HTTP reason phrase, so each
 * message is one ASCII line that says what to do; no message may contain "already exist" (see
 * ecosystems/pypi/errors.ts: twine --skip-existing would take the refusal for a duplicate).
 */
export const pypiErrors = catalogue({
  // Call sites say which part of the upload is wrong.
  UPLOAD_INVALID: { status: 400, message: "The upload is not valid: upload with twine." },
  FORM_TOO_LARGE: { status: 413, message: "The form fields are too large." },
  // Call sites that know the project's limit name it.
  FILE_TOO_LARGE: { status: 413, message: "File too large." },
  // Call sites name the page where API tokens are made.
  AUTH_REQUIRED: {
    status: 401,
    message: "Authentication required: upload with username __token__ and an API token.",
  },
  PASSWORD_AUTH_REFUSED: {
    status: 403,
    message:
      "Username/password uploads are not supported. Upload with username __token__ and an API token as password.",
  },
  // Issue 16: a token's first upload of a new project where a mandate wants token publishes staged.
  FIRST_VERSION_STAGED: {
    status: 403,
    message:
      "A first version cannot be staged: create the project with a pending trusted publisher, whose uploads are staged.",
  },
  // Issue 16: the preview index of a staged release (protocols/pypi/preview.ts). pip shows the status
  // line; a 401 with WWW-Authenticate makes it ask for (or take from keyring) the credentials.
  PREVIEW_AUTH_REQUIRED: {
    status: 401,
    message: "A preview index is for the project's maintainers: use username __token__ and an API token.",
  },
  // The same answer for an unknown id and one the caller may not read: neither learns anything.
  PREVIEW_NOT_FOUND: { status: 404, message: "No such staged release." },
  // Call sites say what happened to it (approved, rejected, expired) and where to install from now.
  PREVIEW_CLOSED: { status: 404, message: "This staged release is no longer waiting for approval." },
});
