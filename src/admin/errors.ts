import { catalogue } from "../lib/errors.js";

export const adminErrors = catalogue({
  REASON_REQUIRED: {
    status: 400,
    field: "reason",
    message: "Give a reason (3–500 characters): it goes into the audit log.",
  },
  NOT_YOURSELF: { status: 400, message: "Use another admin account for actions on your own account." },
  // The JSON dialect of the console guard (requireApiAdmin), for /api/ operator endpoints.
  SIGN_IN_REQUIRED: { status: 401, message: "Sign in as an administrator with your security key." },
  ADMIN_ONLY: { status: 403, message: "Only administrators can do this." },
  SECURITY_KEY_REQUIRED: {
    status: 403,
    message:
      "Operator actions need a security key or passkey on your account: add one, then sign in with it.",
  },
  SECURITY_KEY_SESSION_REQUIRED: {
    status: 403,
    message: "This session was not signed in with a security key or passkey: sign in with your key.",
  },
  // Console forms.
  NAME_REQUIRED: { status: 400, field: "name", message: "Give the project's name." },
  BATCH_REQUIRED: { status: 400, field: "batch", message: "Name the batch (up to 100 characters)." },
  CODES_REQUIRED: { status: 400, field: "codes", message: "Paste at least one code." },
});

/** Every admin action states why; the reason is what a later reader of the audit log needs most. */
export function requireReason(raw: string): string {
  const reason = raw.trim().replace(/\s+/g, " ");
  if (reason.length < 3 || reason.length > 500) throw adminErrors.REASON_REQUIRED();
  return reason;
}
