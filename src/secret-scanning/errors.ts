import { catalogue } from "../lib/errors.js";

// The report endpoint's refusals: a secret scanner reads the status; the JSON message is for whoever
// sets the integration up. None of them says anything about which tokens exist.
export const scanningErrors = catalogue({
  NOT_CONFIGURED: {
    status: 404,
    message:
      "Leaked-token reports are not configured here: the operator sets WHARF_SECRET_SCANNING_KEYS_URL or WHARF_SECRET_SCANNING_KEYS.",
  },
  SIGNATURE_MISSING: {
    status: 400,
    message: "Sign the report: send Github-Public-Key-Identifier and Github-Public-Key-Signature.",
  },
  KEY_UNKNOWN: { status: 401, message: "The report is signed with a key this registry does not know." },
  SIGNATURE_INVALID: { status: 401, message: "The report's signature does not match its body." },
  // 5xx on purpose: the scanner retries later, when the key list can be read again.
  KEYS_UNAVAILABLE: {
    status: 503,
    message: "The public keys to check the report against cannot be read right now. Try again later.",
  },
  REPORT_INVALID: {
    status: 400,
    message: 'The report must be a JSON list of {"token", "type", "url", "source"} objects.',
  },
  REPORT_TOO_LARGE: { status: 413, message: "The report is too large: send at most 1 MiB, 2000 matches." },
});
