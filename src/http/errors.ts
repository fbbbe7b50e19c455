import { catalogue } from "../lib/errors.js";

/** What the HTTP layer itself answers, whatever the surface. */
export const httpErrors = catalogue({
  // Call sites name the path.
  NOT_FOUND: { status: 404, message: "Nothing lives here." },
  // Internal errors keep their detail out of responses (it is logged).
  INTERNAL: {
    status: 500,
    message:
      "Something went wrong on our side. Try again; if it keeps happening, tell the registry operators.",
  },
});
