import { ECOSYSTEM_NAMES } from "../ecosystems/index.js";
import { catalogue } from "../lib/errors.js";

const ANY = ECOSYSTEM_NAMES.join("|");

/** Refusals of Wharf's own JSON API (`{ error: { code, message } }`). */
export const apiErrors = catalogue({
  NOT_FOUND: {
    status: 404,
    message: `Use /api/projects/<${ANY}>/<name>/security.`,
  },
  INVALID_LIST: {
    status: 400,
    message: `Use /api/projects?ecosystem=${ANY}[&limit=1..500][&after=<name>].`,
  },
  INVALID_PAGE: { status: 400, message: "Use ?page=1.. and &limit=1..500." },
  JSON_REQUIRED: { status: 415, message: "Send the parameters as JSON (content-type: application/json)." },
  // Call sites name the first invalid parameter.
  INVALID_SIMULATION: { status: 400, message: "The simulation parameters are not valid." },
});
