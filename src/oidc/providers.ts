/*
 * WHARF_OIDC_PROVIDERS, parsed: which identity providers' tokens trusted publishing accepts. Kept apart
 * from the verifier so loading the configuration does not load the JOSE library.
 */
/** An identity provider trusted for trusted publishing (src/oidc). */
export interface OidcProviderConfig {
  provider: "github" | "gitlab";
  /** Exactly as the tokens' `iss` says it, without a trailing slash. */
  issuer: string;
}

const BUILTIN_ISSUERS = {
  github: "https://token.actions.githubusercontent.com",
  gitlab: "https://gitlab.com",
} as const;

/**
 * `github,gitlab,gitlab=https://gitlab.example.com`: the built-in issuers by name, others as
 * provider=URL. Issuers must be https; plain http only on loopback (the tests' issuer), since the
 * JWKS fetched from it decides who may publish.
 */
export function parseOidcProviders(value: string): OidcProviderConfig[] {
  const out: OidcProviderConfig[] = [];
  for (const entry of value
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    const kind = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    if (kind !== "github" && kind !== "gitlab")
      throw new Error(`must list github, gitlab or provider=https://issuer entries, not '${entry}'`);
    const issuer = (eq < 0 ? BUILTIN_ISSUERS[kind] : entry.slice(eq + 1).trim()).replace(/\/+$/, "");
    let u: URL;
    try {
      u = new URL(issuer);
    } catch {
      throw new Error(`'${issuer}' is not a URL`);
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback))
      throw new Error(`issuer ${issuer} must be https (http only on 127.0.0.1 for tests)`);
    if (u.search || u.hash || u.username) throw new Error(`issuer ${issuer} must be a plain URL`);
    if (!out.some((p) => p.issuer === issuer)) out.push({ provider: kind, issuer });
  }
  return out;
}
