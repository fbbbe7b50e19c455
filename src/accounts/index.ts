/** Accounts: users, email verification, passwords, sessions and sudo mode. */
export type { AccountDeps, RequestContext } from "./context.js";
export { confirmEmailChange, requestEmailChange } from "./email-change.js";
export { accountErrors } from "./errors.js";
export { confirmSudo, loginWithPassword, logout } from "./login.js";
export { changePassword, checkResetToken, requestPasswordReset, resetPassword } from "./password.js";
export { PASSWORD_MAX, PASSWORD_MIN, commonPasswords } from "./passwords.js";
export { registerUser, resendVerification, verifyEmail } from "./registration.js";
export {
  SUDO_WINDOW,
  type Session,
  findSession,
  inSudo,
  listSessions,
  revokeAllSessions,
  revokeSession,
} from "./sessions.js";
export { type User, countUsers, getUser, getUserByUsername, listUsers } from "./users.js";
export { canonicalUsername } from "./usernames.js";
