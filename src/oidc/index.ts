/**
 * OpenID Connect tokens from CI providers (issue 16): the configured providers (WHARF_OIDC_PROVIDERS),
 * discovery and cached JWKS via jose, signature / iss / aud / exp / nbf / iat checks (`OidcVerifier`),
 * and single use of `jti` across instances (`spendJti`, in the minting transaction).
 */
export { oidcErrors } from "./errors.js";
export { spendJti } from "./jti.js";
export { ALGORITHMS, LEEWAY_SECONDS, OidcVerifier, type VerifiedToken } from "./verifier.js";
