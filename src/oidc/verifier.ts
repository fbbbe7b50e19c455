import type { createRemoteJWKSet, decodeProtectedHeader, JWTPayload } from "jose";
import { type AppError, isAppError } from "../lib/errors.js";
import { oidcErrors } from "./errors.js";
import type { OidcProviderConfig } from "./providers.js";

/** Clock skew allowed on exp / nbf / iat (seconds): CI runners and the registry disagree a little. */
export const LEEWAY_SECONDS = 60;
/**
 * Asymmetric algorithms only: `none` would let anyone write claims, and an HS* token would be checked
 * with a "secret" that is a public key everyone can fetch (algorithm confusion).
 */
export const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/** After a fetch of a provider's keys, unknown `kid`s wait this long before another fetch. */
const COOLDOWN_MS = 30_000;
/** Keys and discovery documents are refreshed at least this often (providers rotate keys). */
const CACHE_MS = 10 * 60_000;

export interface VerifiedToken {
  provider: OidcProviderConfig["provider"];
  issuer: string;
  claims: JWTPayload & Record<string, unknown>;
  /** `jti`, required: single use is enforced on it (oidc/jti.ts). */
  jti: string;
  /** `exp` in epoch milliseconds. */
  expiresAt: number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;
/** jose is imported by the first token to verify, not at start-up (issue 15); import() caches it. */
const loadJose = () => import("jose");

interface IssuerState {
  config: OidcProviderConfig;
  keys?: KeySet;
  fetchedAt?: number;
  failedAt?: number;
  pending?: Promise<KeySet>;
}

/**
 * Verifies CI OIDC tokens against the configured providers: discovery through
 * `/.well-known/openid-configuration`, JWKS through jose's remote key set (cached, refetched on an
 * unknown `kid` at most once per cooldown, so a flood of tokens with made-up `kid`s cannot hammer the
 * provider), then signature, `iss`, `aud`, `exp`/`nbf`/`iat` with a small leeway. Single use of `jti`
 * is the caller's (it commits with the minted token: oidc/jti.ts).
 */
export class OidcVerifier {
  readonly #issuers = new Map<string, IssuerState>();
  /** How many discovery/JWKS fetches were started: tests and the benchmark check the cache works. */
  fetches = 0;

  constructor(
    providers: OidcProviderConfig[],
    private readonly now: () => number,
  ) {
    for (const p of providers) this.#issuers.set(p.issuer, { config: p });
  }

  get enabled(): boolean {
    return this.#issuers.size > 0;
  }

  providerOf(issuer: string): OidcProviderConfig | null {
    return this.#issuers.get(issuer)?.config ?? null;
  }

  async verify(token: string, audience: string): Promise<VerifiedToken> {
    if (!this.enabled) throw oidcErrors.NOT_ENABLED();
    const { decodeJwt, decodeProtectedHeader, errors, jwtVerify } = await loadJose();
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw oidcErrors.TOKEN_MALFORMED();
    }
    if (!header.alg || !ALGORITHMS.includes(header.alg))
      throw oidcErrors.ALG_REFUSED(
        `The OIDC token is signed with '${header.alg ?? "none"}'; only ${ALGORITHMS.join(", ")} are accepted.`,
      );
    const issuer = typeof unverified.iss === "string" ? unverified.iss : "";
    const state = this.#issuers.get(issuer);
    if (!state)
      throw oidcErrors.UNKNOWN_ISSUER(
        `The OIDC token's issuer '${issuer.slice(0, 200)}' is not trusted by this registry (WHARF_OIDC_PROVIDERS).`,
      );
    const keys = await this.#keys(state);
    const nowMs = this.now();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: ALGORITHMS,
        clockTolerance: LEEWAY_SECONDS,
        currentDate: new Date(nowMs),
        requiredClaims: ["exp", "iat"],
      }));
    } catch (e) {
      throw translate(e, audience, errors);
    }
    if ((claims.iat as number) * 1000 > nowMs + LEEWAY_SECONDS * 1000)
      throw oidcErrors.NOT_YET_VALID("The OIDC token was issued in the future (iat); check the clocks.");
    if (typeof claims.jti !== "string" || claims.jti === "" || claims.jti.length > 512)
      throw oidcErrors.MISSING_CLAIM("The OIDC token has no jti claim, so it could be replayed: refused.");
    return {
      provider: state.config.provider,
      issuer,
      claims: claims as VerifiedToken["claims"],
      jti: claims.jti,
      expiresAt: (claims.exp as number) * 1000,
    };
  }

  /** The issuer's key set: discovery once per cache period, failures retried after the cooldown. */
  async #keys(state: IssuerState): Promise<KeySet> {
    const now = Date.now();
    if (state.keys && state.fetchedAt !== undefined && now - state.fetchedAt < CACHE_MS) return state.keys;
    if (state.failedAt !== undefined && now - state.failedAt < COOLDOWN_MS) {
      if (state.keys) return state.keys;
      throw oidcErrors.PROVIDER_UNAVAILABLE();
    }
    state.pending ??= this.#discover(state.config.issuer)
      .then(async (jwksUri) => {
        const keys = (await loadJose()).createRemoteJWKSet(new URL(jwksUri), {
          cooldownDuration: COOLDOWN_MS,
          cacheMaxAge: CACHE_MS,
          timeoutDuration: 5000,
        });
        state.keys = keys;
        state.fetchedAt = Date.now();
        state.failedAt = undefined;
        return keys;
      })
      .catch((e: unknown) => {
        state.failedAt = Date.now();
        if (state.keys) return state.keys;
        throw isAppError(e) ? e : oidcErrors.PROVIDER_UNAVAILABLE();
      })
      .finally(() => {
        state.pending = undefined;
      });
    return state.pending;
  }

  async #discover(issuer: string): Promise<string> {
    this.fetches++;
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
      redirect: "error",
    });
    if (!res.ok) throw oidcErrors.PROVIDER_UNAVAILABLE();
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one it was fetched for.
    if (doc.issuer !== issuer || typeof doc.jwks_uri !== "string") throw oidcErrors.PROVIDER_UNAVAILABLE();
    const jwks = new URL(doc.jwks_uri);
    if (jwks.protocol !== new URL(issuer).protocol) throw oidcErrors.PROVIDER_UNAVAILABLE();
    return doc.jwks_uri;
  }
}

function translate(e: unknown, audience: string, joseErrors: typeof import("jose").errors): AppError {
  if (e instanceof joseErrors.JWTExpired) return oidcErrors.EXPIRED();
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === "aud")
      return oidcErrors.WRONG_AUDIENCE(
        `The OIDC token's audience is not '${audience}': request it with that audience.`,
      );
    if (e.claim === "nbf" || e.claim === "iat") return oidcErrors.NOT_YET_VALID();
    if (e.claim === "iss") return oidcErrors.UNKNOWN_ISSUER();
    return oidcErrors.MISSING_CLAIM(`The OIDC token's ${e.claim} claim is missing or invalid.`);
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return oidcErrors.ALG_REFUSED();
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWSSignatureVerificationFailed)
    return oidcErrors.BAD_SIGNATURE();
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid)
    return oidcErrors.PROVIDER_UNAVAILABLE();
  if (e instanceof joseErrors.JOSEError) return oidcErrors.TOKEN_MALFORMED();
  if (isAppError(e)) return e;
  return oidcErrors.PROVIDER_UNAVAILABLE();
}
