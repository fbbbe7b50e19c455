import type { FastifyRequest } from "fastify";
import type { User } from "../../accounts/index.js";
import { getUser } from "../../accounts/index.js";
import type { Actor } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { authenticateToken, type TokenActor, tokenErrors } from "../../tokens/index.js";
import { pypiErrors } from "./errors.js";

/**
 * twine sends HTTP Basic auth on every request. Only `__token__` + an API token is accepted: twine
 * cannot send a second factor, so a password here would be a way around MFA (PyPI refuses it too).
 */
export async function tokenFromBasicAuth(
  deps: Deps,
  req: FastifyRequest,
): Promise<{ user: User; actor: Actor; token: TokenActor }> {
  const tokensUrl = `${deps.config.origin}/account/tokens`;
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) {
    throw pypiErrors.AUTH_REQUIRED(
      `Authentication required: upload with username __token__ and an API token from ${tokensUrl}`,
      { headers: { "www-authenticate": 'Basic realm="Wharf upload"' } },
    );
  }
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const secret = colon >= 0 ? decoded.slice(colon + 1) : "";
  if (username !== "__token__") {
    throw pypiErrors.PASSWORD_AUTH_REFUSED(
      `Username/password uploads are not supported. Create an API token at ${tokensUrl} and upload with username __token__ and the token as password.`,
    );
  }
  // Only uploads come here: a trusted publisher's token is accepted (authz lets it upload, nothing else).
  const token = await authenticateToken(deps.db, deps.tokenUsage, deps.clock.now(), secret.trim(), {
    publish: true,
  });
  const user = await getUser(deps.db, token.userId);
  if (!user) throw tokenErrors.TOKEN_INVALID();
  return { user, token, actor: { userId: user.id, emailVerified: user.emailVerified, token } };
}
