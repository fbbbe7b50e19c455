import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { type AppError, isAppError } from "../../lib/errors.js";
import { audienceFor, exchangeOidcToken } from "../../trusted-publishing/index.js";

const MintBody = z.object({ token: z.string().min(1).max(16_384) });

/** PyPI's error codes for a refused exchange (warehouse/oidc/views.py), which the publish action prints. */
function pypiCode(e: AppError): string {
  if (e.code === "NOT_ENABLED") return "not-enabled";
  if (e.code === "REPLAYED") return "invalid-reuse-token";
  if (e.code === "NO_MATCHING_PUBLISHER" || e.code === "PROJECT_NOT_FOUND") return "invalid-publisher";
  if (["NAME_PROHIBITED", "LOOKALIKE", "TYPOSQUAT", "PENDING_NAME_TAKEN"].includes(e.code))
    return "invalid-pending-publisher";
  if (e.code === "PROVIDER_UNAVAILABLE") return "server-error";
  if (e.code === "RATE_LIMITED") return "rate-limited";
  return "invalid-token";
}

/**
 * PyPI trusted publishing (issue 16), as pypa/gh-action-pypi-publish speaks it against the upload
 * host's root: `GET /_/oidc/audience` → `{"audience"}`, then `POST /_/oidc/mint-token {"token"}` →
 * `{"success": true, "token", "expires"}` (epoch seconds), the token used with twine as `__token__`.
 * Refusals in PyPI's shape `{"message", "errors": [{"code", "description"}]}`; the description names
 * the claim that did not match.
 */
export function registerPypiOidc(app: FastifyInstance, deps: Deps): void {
  const refuse = (status: number, code: string, description: string) => ({
    status,
    body: { message: "Token request failed", errors: [{ code, description }] },
  });
  app.get("/_/oidc/audience", async (_req, reply) => {
    if (!deps.oidc.enabled) {
      const r = refuse(403, "not-enabled", "Trusted publishing is not enabled on this registry.");
      return reply.status(r.status).send(r.body);
    }
    return { audience: audienceFor("pypi", deps.config.origin) };
  });
  app.post("/_/oidc/mint-token", async (req, reply) => {
    const parsed = MintBody.safeParse(req.body);
    if (!parsed.success) {
      const r = refuse(422, "invalid-payload", 'Send a JSON body {"token": "<the OIDC token>"}.');
      return reply.status(r.status).send(r.body);
    }
    try {
      const out = await exchangeOidcToken(
        deps,
        { ip: req.ip, userAgent: String(req.headers["user-agent"] ?? "") },
        { ecosystem: "pypi", oidcToken: parsed.data.token },
      );
      return { success: true, token: out.token, expires: Math.floor(out.expiresAt / 1000) };
    } catch (e) {
      if (!isAppError(e)) throw e;
      // 429 stays 429 (with Retry-After): the publish action retries on it, not on a 422.
      const r = refuse(e.status >= 500 || e.status === 429 ? e.status : 422, pypiCode(e), e.message);
      if (e.headers) reply.headers(e.headers);
      return reply.status(r.status).send(r.body);
    }
  });
}
