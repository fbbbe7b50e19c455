import { catalogue } from "../lib/errors.js";

export const stagingErrors = catalogue({
  NOT_FOUND: { status: 404, message: "No such staged release." },
  NOT_PENDING: {
    status: 409,
    message: "This staged release was already approved, rejected or expired.",
  },
  EXPIRED: {
    status: 410,
    message: "This staged release expired before anyone approved it; upload it again.",
  },
  ALREADY_STAGED: { status: 409, message: "This version is already staged and waiting for approval." },
  VERSION_PUBLISHED: {
    status: 409,
    message: "This version was published meanwhile; a staged release cannot be added to it.",
  },
  SECOND_FACTOR_REQUIRED: {
    status: 403,
    message: "Approving or rejecting a staged release needs a second factor, given just now.",
  },
  KEY_ANSWER_INVALID: {
    status: 400,
    message:
      "Your key's answer was not made for this release and decision, or it expired or was used already. Press the button again and touch your key.",
  },
  PHISHING_RESISTANT_REQUIRED: {
    status: 403,
    message: "This staged release must be approved with a security key or passkey.",
  },
});
