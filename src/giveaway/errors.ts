import { catalogue } from "../lib/errors.js";

/** Refusals of a claim on the security-key giveaway, shown on the claim page. */
export const giveawayErrors = catalogue({
  // Call sites pass the eligibility check's own reason.
  NOT_ELIGIBLE: { status: 403, message: "You are not eligible for a security key from the giveaway." },
  NO_CODES_LEFT: {
    status: 409,
    message: "All codes have been given out. The operators have been told; check back later.",
  },
  BUSY: { status: 503, message: "Many people are claiming codes right now. Try again in a moment." },
});
