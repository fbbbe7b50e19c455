import { catalogue } from "../lib/errors.js";

export const adminErrors = catalogue({
  REASON_REQUIRED: {
    status: 400,
    field: "reason",
    message: "Give a reason (3–500 characters): it goes into the audit log.",
  },
  USER_NOT_FOUND: { status: 404, message: "There is no such user." },
  PROJECT_NOT_FOUND: { status: 404, message: "There is no such project." },
  NOT_YOURSELF: { status: 400, message: "Use another admin account for actions on your own account." },
});

/** Every admin action states why; the reason is what a later reader of the audit log needs most. */
export function requireReason(raw: string): string {
  const reason = raw.trim().replace(/\s+/g, " ");
  if (reason.length < 3 || reason.length > 500) throw adminErrors.REASON_REQUIRED();
  return reason;
}
