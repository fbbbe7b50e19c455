import { catalogue } from "../../lib/errors.js";

/**
 * Refusals of npm names and versions. Same codes, statuses and messages as the npm protocol's own
 * catalogue had for them: the npm CLI prints `body.error`, so each message says what to do.
 */
export const npmNameErrors = catalogue({
  NAME_INVALID: { status: 400, message: "Invalid package name." },
  VERSION_INVALID: { status: 400, message: "Invalid version." },
});
