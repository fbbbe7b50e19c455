import { catalogue } from "../lib/errors.js";

// Refusals of an OIDC token presented for trusted publishing. Each says which check failed: the CI log
// is all a maintainer has to debug a release pipeline.
export const oidcErrors = catalogue({
  NOT_ENABLED: { status: 404, message: "Trusted publishing is not enabled on this registry." },
  TOKEN_MALFORMED: {
    status: 401,
    message: "The OIDC token is not a signed JWT: send the CI provider's ID token exactly as it was issued.",
  },
  UNKNOWN_ISSUER: { status: 401, message: "The OIDC token's issuer is not trusted by this registry." },
  ALG_REFUSED: {
    status: 401,
    message: "The OIDC token is not signed with an accepted asymmetric algorithm.",
  },
  BAD_SIGNATURE: {
    status: 401,
    message:
      "The OIDC token's signature does not verify against its issuer's published keys: send the CI provider's ID token exactly as it was issued.",
  },
  EXPIRED: {
    status: 401,
    message:
      "The OIDC token has expired: request a new one just before the exchange (they live minutes), and check the runner's clock.",
  },
  NOT_YET_VALID: {
    status: 401,
    message: "The OIDC token is not valid yet (nbf): check the clocks of the runner and of the registry.",
  },
  WRONG_AUDIENCE: { status: 401, message: "The OIDC token was issued for another audience." },
  MISSING_CLAIM: { status: 401, message: "The OIDC token lacks a required claim." },
  REPLAYED: { status: 401, message: "This OIDC token was already used; request a new one." },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    message: "The identity provider's keys could not be fetched; try again in a minute.",
  },
});
