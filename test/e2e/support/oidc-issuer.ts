import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

/** Who a minted CI token says it is: the GitHub- or GitLab-shaped claims of one run. */
export interface RunClaims {
  repository: string;
  repositoryId?: string;
  ownerId?: string;
  workflow?: string;
  environment?: string;
  ref?: string;
  sha?: string;
  runId?: string;
}

export interface MintOptions {
  audience: string;
  provider?: "github" | "gitlab";
  run?: RunClaims;
  /** Extra or overriding claims (iat/exp/nbf as epoch seconds, `jti`...). */
  claims?: JWTPayload & Record<string, unknown>;
  /** Sign with a key the JWKS does not publish (a forgery), or an unknown kid. */
  forged?: boolean;
  kid?: string;
  /** Lifetime in seconds (default 300). */
  ttl?: number;
}

export interface TestIssuer {
  /** The issuer URL (the tokens' `iss`, and the base of discovery). */
  issuer: string;
  /** What the npm CLI gets as ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. */
  actionsRequestUrl: string;
  actionsRequestToken: string;
  /** The run the GitHub Actions endpoint mints tokens for (change it between tests). */
  actionsRun: RunClaims;
  /** Discovery and JWKS requests served, to check caching and the unknown-kid cooldown. */
  hits: { discovery: number; jwks: number; idToken: number };
  mint(opts: MintOptions): Promise<string>;
  /** A new signing key published beside the old one (a provider's rotation). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK };

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/** The claims GitHub Actions (or GitLab CI) puts in an ID token for `run`. */
export function runClaims(
  provider: "github" | "gitlab",
  issuer: string,
  run: RunClaims,
): Record<string, unknown> {
  const ref = run.ref ?? "refs/heads/main";
  const sha = run.sha ?? "0123456789abcdef0123456789abcdef01234567";
  const owner = run.repository.split("/").slice(0, -1).join("/");
  if (provider === "github") {
    const wf = `${run.repository}/.github/workflows/${run.workflow ?? "release.yml"}@${ref}`;
    return {
      repository: run.repository,
      repository_id: run.repositoryId ?? "1001",
      repository_owner: owner,
      repository_owner_id: run.ownerId ?? "2001",
      repository_visibility: "private",
      workflow_ref: wf,
      job_workflow_ref: wf,
      ref,
      sha,
      run_id: run.runId ?? "4242",
      run_attempt: "1",
      event_name: "push",
      ...(run.environment ? { environment: run.environment } : {}),
      sub: `repo:${run.repository}:ref:${ref}`,
    };
  }
  return {
    project_path: run.repository,
    project_id: run.repositoryId ?? "3001",
    namespace_path: owner,
    namespace_id: run.ownerId ?? "4001",
    project_visibility: "private",
    ci_config_ref_uri: `${new URL(issuer).host}/${run.repository}//${run.workflow ?? ".gitlab-ci.yml"}@${ref}`,
    ref: ref.replace(/^refs\/heads\//, ""),
    sha,
    pipeline_id: run.runId ?? "5151",
    ...(run.environment ? { environment: run.environment } : {}),
    sub: `project_path:${run.repository}:ref_type:branch:ref:main`,
  };
}

/**
 * A small OIDC provider on 127.0.0.1 for tests: its own RSA keys, a discovery document, a JWKS, tokens
 * shaped like GitHub Actions' and GitLab CI's, and the GitHub Actions ID-token request endpoint the npm
 * CLI calls (`ACTIONS_ID_TOKEN_REQUEST_URL` + `&audience=npm:<host>`, bearer
 * `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered `{"value": jwt}`).
 */
export async function startOidcIssuer(): Promise<TestIssuer> {
  const keys: Key[] = [await newKey()];
  const rogue = await newKey();
  const requestToken = `actions-${randomUUID()}`;
  const hits = { discovery: 0, jwks: 0, idToken: 0 };
  let issuer = "";
  const state: { run: RunClaims } = { run: { repository: "acme/widget" } };

  const mint = async (o: MintOptions): Promise<string> => {
    const key = o.forged ? rogue : keys[keys.length - 1]!;
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      ...runClaims(o.provider ?? "github", issuer, o.run ?? state.run),
      iss: issuer,
      aud: o.audience,
      iat: now,
      nbf: now,
      exp: now + (o.ttl ?? 300),
      jti: randomUUID(),
      ...o.claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: o.kid ?? key.kid, typ: "JWT" })
      .sign(key.privateKey);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      hits.discovery++;
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (url.pathname === "/.well-known/jwks") {
      hits.jwks++;
      return json(200, { keys: keys.map((k) => k.jwk) });
    }
    if (url.pathname === "/_actions/token") {
      hits.idToken++;
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return json(401, { message: "bad request token" });
      const audience = url.searchParams.get("audience") ?? "https://github.com/acme";
      mint({ audience }).then(
        (value) => json(200, { count: 1, value }),
        (e: unknown) => json(500, { message: String(e) }),
      );
      return;
    }
    json(404, { message: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    actionsRequestUrl: `${issuer}/_actions/token?api-version=2.0`,
    actionsRequestToken: requestToken,
    get actionsRun() {
      return state.run;
    },
    set actionsRun(run: RunClaims) {
      state.run = run;
    },
    hits,
    mint,
    rotate: async () => {
      keys.push(await newKey());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
