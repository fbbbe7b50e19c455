import type { FastifyInstance, FastifyRequest } from "fastify";
import { checkPasswordLogin, type User } from "../../accounts/index.js";
import { collectGemOtp, createWebAuth, GEM_OPERATION } from "../../cli-handoff/index.js";
import type { Deps } from "../../deps.js";
import { factorSummary } from "../../mfa/index.js";
import { requestContext, requireKey } from "./auth.js";
import { gemErrors } from "./errors.js";
import { basicCredentials } from "./signin.js";

/** Where gem ≥ 3.4 sends the person: the shared CLI hand-off page (web/routes/cli-handoff.ts). */
const CONFIRM_PATH = "/gem-cli/confirm/";

/**
 * Who asks: gem sends the API key (push, yank, owner) or, during `gem signin`, the email and password
 * it was given (Basic) — the same credentials as the request the code will complete.
 */
async function caller(deps: Deps, req: FastifyRequest): Promise<User> {
  if (/^Basic\s/i.test(String(req.headers.authorization ?? ""))) {
    const { login, password } = basicCredentials(req);
    return checkPasswordLogin(deps, requestContext(req), login, password);
  }
  return (await requireKey(deps, req, false)).user;
}

/**
 * RubyGems' WebAuthn hand-off, as gem ≥ 3.4 uses it (docs/protocols/rubygems.md) after a 401 "You have
 * enabled multifactor authentication…": `POST api/v1/webauthn_verification` answers the URL to open
 * (plain text; gem appends `?port=N`, which Wharf ignores: the code reaches gem by the poll), then gem
 * polls `GET api/v1/webauthn_verification/<token>/status.json` every 5 s with the same credentials:
 * `{status: "pending"}` until the person confirms with their security key (signed in, in sudo), then
 * `{status: "success", code}` once; gem repeats its request with that code in the OTP header, where
 * it is spent once (second-factor.ts). Any other status ends the command with its `message`. An
 * account without a security key gets a 422, and gem asks for a code from the app instead.
 */
export function registerWebauthnVerification(app: FastifyInstance, deps: Deps): void {
  app.post("/rubygems/api/v1/webauthn_verification", async (req, reply) => {
    const user = await caller(deps, req);
    if ((await factorSummary(deps.db, user.id)).keys.length === 0) throw gemErrors.WEBAUTHN_UNAVAILABLE();
    const wa = await createWebAuth(deps, {
      kind: "gem-otp",
      userId: user.id,
      description: "run a gem command (push, yank, owner or signin) with your security device",
      operation: GEM_OPERATION,
      ip: req.ip,
    });
    return reply.type("text/plain; charset=utf-8").send(`${deps.config.origin}${CONFIRM_PATH}${wa.id}`);
  });

  app.get<{ Params: { token: string } }>(
    "/rubygems/api/v1/webauthn_verification/:token/status.json",
    async (req, reply) => {
      const user = await caller(deps, req);
      const r = await collectGemOtp(deps, req.params.token, user.id, req.ip);
      reply.header("cache-control", "no-store");
      if (r === null) return { status: "not_found", message: "Not found: run the command again." };
      if (r.state === "pending")
        return { status: "pending", message: "Security device authentication is still pending." };
      if (r.state === "denied")
        return { status: "denied", message: "The confirmation was denied in the browser: nothing was done." };
      if (r.state === "expired")
        return {
          status: "expired",
          message:
            "The token in the link you used has either expired or been used already: run the command again.",
        };
      return { status: "success", code: r.token };
    },
  );
}
