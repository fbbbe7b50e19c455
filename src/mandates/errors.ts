import { catalogue } from "../lib/errors.js";

/** Refusals of mandate edits, for the console page and the /api/ JSON alike. */
export const mandateErrors = catalogue({
  MANDATE_NOT_FOUND: { status: 404, message: "There is no such mandate." },
  // Call sites name each invalid field (`path: problem; ...`).
  MANDATE_INVALID: { status: 400, message: "The mandate is not valid." },
});
