/** Accounts: users, email verification, passwords, sessions and sudo mode. */
export type { AccessPurpose, AccountDeps, RequestContext } from "./context.js";
export { sendAccessMail } from "./context.js";
export { confirmEmailChange, requestEmailChange } from "./email-change.js";
export {
  inspectLinkToken,
  issueLinkToken,
  type LinkTokenRow,
  type LinkTokenState,
  peekLinkToken,
  spendLinkToken,
  voidLinkTokens,
} from "./email-links.js";
export { accountErrors } from "./errors.js";
export {
  checkPasswordLogin,
  confirmSudo,
  type LoginResult,
  loginWithPassword,
  logout,
  startSession,
  verifyAccountPassword,
} from "./login.js";
export { changePassword, checkResetToken, requestPasswordReset, resetPassword } from "./password.js";
export { checkPasswordPolicy, commonPasswords, PASSWORD_MAX, PASSWORD_MIN } from "./passwords.js";
export { registerUser, resendVerification, verifyEmail } from "./registration.js";
export { registerOrTellOwner } from "./registration-taken.js";
export {
  type AuthProof,
  enterSudo,
  findSession,
  inSudo,
  listSessions,
  revokeAllSessions,
  revokeSession,
  type Session,
  SUDO_WINDOW,
} from "./sessions.js";
export { canonicalEmail, canonicalUsername, validateEmail, validateUsername } from "./usernames.js";
export { countUsers, getUser, getUserByLogin, getUserByUsername, listUsers, type User } from "./users.js";
