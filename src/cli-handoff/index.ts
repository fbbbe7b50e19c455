/**
 * The browser hand-off of command-line clients (npm's web login and security-key confirmations,
 * RubyGems' WebAuthn verification): a record the CLI polls and the person answers in the browser
 * (pages in web/routes/cli-handoff.ts), each step spent once.
 */
export {
  answerWebAuth,
  type Collected,
  collectGemOtp,
  collectWebAuth,
  createWebAuth,
  findWebAuth,
  GEM_OPERATION,
  newWebOtp,
  spendWebOtp,
  WEB_AUTH_TTL,
  WEB_OTP_PREFIX,
  WEB_OTP_TTL,
  type WebAuth,
  type WebAuthKind,
} from "./store.js";
