import type { FastifyRequest } from "fastify";
import { getUser, type RequestContext, type User } from "../../accounts/index.js";
import type { Actor } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { authenticateToken, type TokenActor, tokenErrors } from "../../tokens/index.js";
import { gemErrors } from "./errors.js";

/** Who a request speaks for: a gem API key is a Wharf API token (`gem signin` mints one). */
export interface GemAuth {
  user: User;
  token: TokenActor;
  actor: Actor;
}

export const requestContext = (req: FastifyRequest): RequestContext => ({
  ip: req.ip,
  userAgent: String(req.headers["user-agent"] ?? ""),
});

/**
 * The key travels bare in `Authorization` (gem push/yank/owner add `Authorization: <key>`); a
 * `Bearer` prefix is accepted for scripts. A dead or unknown key is a 401 that says to sign in again.
 */
export async function requireKey(deps: Deps, req: FastifyRequest, write: boolean): Promise<GemAuth> {
  const header = String(req.headers.authorization ?? "").trim();
  const secret = header.replace(/^Bearer\s+/i, "");
  if (!secret)
    throw gemErrors.KEY_REQUIRED(`Sign in first: gem signin --host ${deps.config.origin}/rubygems`);
  const token = await authenticateToken(deps.db, deps.tokenUsage, deps.clock.now(), secret, {
    ip: req.ip,
    read: true,
  });
  const user = await getUser(deps.db, token.userId);
  if (!user || user.isFrozen) throw tokenErrors.TOKEN_INVALID();
  if (write && token.readonly) throw gemErrors.KEY_READONLY();
  return { user, token, actor: { userId: user.id, emailVerified: user.emailVerified, token } };
}
