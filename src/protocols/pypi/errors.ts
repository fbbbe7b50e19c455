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
});
