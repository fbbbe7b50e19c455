import { catalogue } from "../lib/errors.js";

/** Refusals of /metrics (see metrics-access.ts for who may read it). */
export const opsErrors = catalogue({
  METRICS_TOKEN_REQUIRED: {
    status: 401,
    message: "Metrics need the token set in WHARF_METRICS_TOKEN: send Authorization: Bearer <token>.",
  },
  METRICS_LOOPBACK_ONLY: {
    status: 403,
    message:
      "Metrics are served to local clients only. Set WHARF_METRICS_TOKEN or WHARF_METRICS_ADDRESS to scrape from elsewhere.",
  },
  NOT_FOUND: { status: 404, message: "Only GET /metrics is served here." },
});
