import type { IncomingMessage } from "node:http";
import type { FastifyRequest } from "fastify";
import { getUser, type RequestContext, type User } from "../../accounts/index.js";
import type { Actor } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { isAppError, reraise } from "../../lib/errors.js";
import { clientAddress } from "../../ops/trust-proxy.js";
import { authenticateToken, cachedReadAllowed, type TokenActor } from "../../tokens/index.js";
import { npmErrors } from "./errors.js";
import { parsePackagePath } from "./paths.js";

/** Who a request speaks for: every npm credential is a Wharf API token (`npm login` mints one). */
export interface NpmAuth {
  user: User;
  token: TokenActor;
  actor: Actor;
}

declare module "fastify" {
  interface FastifyRequest {
    npmAuth?: NpmAuth | null;
  }
}

export function requestContext(req: FastifyRequest): RequestContext {
  return { ip: req.ip, userAgent: String(req.headers["user-agent"] ?? "") };
}

/** The token in `Authorization: Bearer` (from `//host/:_authToken`), or in Basic's password slot. */
function presentedToken(req: Pick<FastifyRequest, "headers">): string | null {
  const header = req.headers.authorization ?? "";
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const secret = decoded.slice(decoded.indexOf(":") + 1);
    if (secret.startsWith("wharf_")) return secret;
  }
  return null;
}

/**
 * Resolves the request's credential once (memoised on the request). Read-only tokens pass here;
 * writes check `requireWriter`. A malformed, revoked or expired token is an error, not anonymity: the
 * user must learn that their .npmrc holds a dead token.
 */
export async function authenticate(deps: Deps, req: FastifyRequest): Promise<NpmAuth | null> {
  if (req.npmAuth !== undefined) return req.npmAuth;
  const secret = presentedToken(req);
  if (!secret) {
    req.npmAuth = null;
    return null;
  }
  const token = await verifyPresented(deps, req, secret);
  const user = await getUser(deps.db, token.userId);
  if (!user || user.isFrozen) throw npmErrors.ACCOUNT_FROZEN();
  req.npmAuth = { user, token, actor: { userId: user.id, emailVerified: user.emailVerified, token } };
  return req.npmAuth;
}

function verifyPresented(deps: Deps, req: FastifyRequest, secret: string): Promise<TokenActor> {
  return authenticateToken(deps.db, deps.tokenUsage, deps.clock.now(), secret, {
    ip: req.ip,
    read: true,
    // A trusted publisher's token is accepted only by the publish route (PUT of a package document);
    // authz then allows only an upload to its project.
    publish: req.method === "PUT" && parsePackagePath(req.url)?.kind === "package",
  }).catch((e: unknown) => {
    // 401 (not 403) so npm says "log in again" rather than "forbidden".
    if (isAppError(e) && e.status === 403 && e.code !== "TOKEN_ADDRESS")
      throw reraise({ status: 401, code: e.code, message: `${e.message} Run npm login again.` });
    throw e;
  });
}

/**
 * The check an anonymous-capable read makes: a dead token (revoked, expired, unknown, outside its
 * address list, its account frozen) is still refused, so the user learns to log in again, but the
 * answer does not depend on who asked, so the account row is not read. That query was most of what
 * a token added to a cached packument read (bench/npm.mjs, issue 15 item 8); a frozen account's
 * tokens are refused by the token check itself (tokens/store.ts, dropped from the verified-token
 * cache on every instance when the account is frozen).
 */
export async function checkReader(deps: Deps, req: FastifyRequest): Promise<void> {
  if (req.npmAuth !== undefined) return;
  const secret = presentedToken(req);
  if (secret) await verifyPresented(deps, req, secret);
}

/**
 * checkReader for an answer replayed before Fastify (http/replay.ts): true only when the presented
 * token is one the verified-token cache vouches for, from an address it may be used from. Anything
 * else (no npm token, not cached, revoked, expired, wrong address) is false, and the request goes to
 * the route, whose checkReader answers it (a dead token's 401 included).
 */
export function replayReader(deps: Deps): (req: IncomingMessage) => boolean {
  const ipOf = clientAddress(deps.config.trustProxy);
  return (req) => {
    const secret = presentedToken(req);
    return secret !== null && cachedReadAllowed(deps.tokenUsage, deps.clock.now(), secret, ipOf(req));
  };
}

export async function requireAuth(deps: Deps, req: FastifyRequest): Promise<NpmAuth> {
  const auth = await authenticate(deps, req);
  if (!auth)
    throw npmErrors.AUTH_REQUIRED(
      `Log in first: npm login --registry ${deps.config.origin}/npm/ (or put a token from ${deps.config.origin}/account/tokens in your .npmrc).`,
    );
  return auth;
}

/** Writes need a token that may write. */
export async function requireWriter(deps: Deps, req: FastifyRequest): Promise<NpmAuth> {
  const auth = await requireAuth(deps, req);
  if (auth.token.readonly) throw npmErrors.READONLY_TOKEN();
  return auth;
}
