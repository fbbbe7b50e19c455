import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { parsePackageName } from "../../ecosystems/npm/names.js";
import { isAppError } from "../../lib/errors.js";
import { exchangeOidcToken } from "../../trusted-publishing/index.js";
import { requestContext } from "./auth.js";

const PATH = "/-/npm/v1/oidc/token/exchange/package/";

/**
 * npm trusted publishing (issue 16): `POST /-/npm/v1/oidc/token/exchange/package/<name>` with the CI's
 * OIDC token as bearer → `{token}`. npm's CLI (lib/utils/oidc.js) resolves this path against the
 * registry URL, so with `registry=http://host/npm/` it arrives at the origin's ROOT; it is also served
 * under /npm/. The CLI never shows the refusal unless run with --loglevel verbose, where it prints
 * `body.message`: both `error` and `message` carry it.
 */
export function registerNpmOidc(app: FastifyInstance, deps: Deps): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const path = req.url.split("?")[0]!;
      const raw = decodeURIComponent(path.slice(path.indexOf(PATH) + PATH.length));
      const name = parsePackageName(raw);
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
      if (!bearer)
        return reply.status(401).send({
          error: "Send the CI provider's OIDC token as the bearer token.",
          message: "Send the CI provider's OIDC token as the bearer token.",
        });
      const out = await exchangeOidcToken(deps, requestContext(req), {
        ecosystem: "npm",
        projectName: name.name,
        oidcToken: bearer[1]!,
      });
      return reply.status(201).send({ token: out.token, expires: new Date(out.expiresAt).toISOString() });
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.headers) reply.headers(e.headers);
      return reply.status(e.status).send({ error: e.message, message: e.message, code: e.code });
    }
  };
  app.post(`${PATH}*`, handler);
  app.post(`/npm${PATH}*`, handler);
}
