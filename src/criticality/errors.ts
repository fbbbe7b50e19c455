import { catalogue } from "../lib/errors.js";

/** Refusals of manual designation and removal (console and CLI). */
export const criticalityErrors = catalogue({
  // The console asks for its own audit reason first (admin/errors.ts); this one is recorded on the project.
  REASON_REQUIRED: {
    status: 400,
    message: "Give a reason (up to 500 characters): it is recorded on the project.",
  },
});
