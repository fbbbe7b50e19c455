/** Scoped, prefixed, hashed API tokens shared by every protocol (twine today, npm next). */

export { DEFAULT_TOKEN_CACHE_MS, type VerifiedToken, VerifiedTokens } from "./cache.js";
export { type CliToken, type CliTokenRequest, createCliToken, findUserTokenId, tokenOptions } from "./cli.js";
export { tokenErrors } from "./errors.js";
export { TOKEN_PREFIX } from "./format.js";
export { type LeakOutcome, type LeakReport, type LeakReporter, revokeLeakedToken } from "./leaked.js";
export { insertPublisherToken, PUBLISHER_TOKEN_TTL_MS } from "./publisher.js";
export { ipAllowed, normalizeCidrs } from "./restrictions.js";
export { checkExpiryDays, checkScopeChosen, tokenName } from "./rules.js";
export { createUserToken, issueAdminToken, revokeUserToken } from "./service.js";
export {
  type ApiToken,
  authenticateToken,
  cachedReadAllowed,
  listTokens,
  liveTokenOf,
  revokeAllTokens,
  type TokenActor,
  type TokenScope,
  tokenCovers,
  tokenIsLive,
} from "./store.js";
export { TokenUsage } from "./usage.js";
