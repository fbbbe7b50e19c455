import { catalogue } from "../lib/errors.js";

export const rateLimitErrors = catalogue({
  // Call sites say how long to wait, and send it as Retry-After too.
  RATE_LIMITED: { status: 429, message: "Too many attempts. Try again later." },
  RATE_LIMIT_UNAVAILABLE: { status: 503, message: "This is temporarily unavailable. Try again shortly." },
});
