import type { FastifyInstance, FastifyRequest } from "fastify";
import { checkPasswordLogin } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../events/index.js";
import { createCliToken } from "../../tokens/index.js";
import { requestContext } from "./auth.js";
import { gemErrors } from "./errors.js";
import { requireOtp } from "./second-factor.js";

/** The scopes `gem signin` offers; any of the write ones makes a key that may write. */
const WRITE_SCOPES = ["push_rubygem", "yank_rubygem", "add_owner", "remove_owner"];

export function basicCredentials(req: FastifyRequest): { login: string; password: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(String(req.headers.authorization ?? ""));
  if (!m)
    throw gemErrors.BODY_INVALID("Sign in with your email (or user name) and password, as gem signin does.");
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw gemErrors.BODY_INVALID("Sign in with your email (or user name) and password, as gem signin does.");
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const form = (req: FastifyRequest): Record<string, unknown> =>
  req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};

/**
 * `gem signin`: email and password (Basic), plus the OTP when a factor is enrolled, make a new Wharf
 * API token for the whole account — the same store, hashing, expiry and revocation as every token, on
 * /account/tokens. The answer's body is the key itself, which the client writes to ~/.gem/credentials.
 * A key asked for without any write scope is read-only.
 */
export function registerSignin(app: FastifyInstance, deps: Deps): void {
  const handler = async (req: FastifyRequest) => {
    const { login, password } = basicCredentials(req);
    const ctx = requestContext(req);
    const user = await checkPasswordLogin(deps, ctx, login, password);
    await requireOtp(deps, req, user);
    const body = form(req);
    const requested = Object.keys(body).filter((k) => String(body[k]) === "true");
    // GET (RubyGems before 3.2) sends no scopes: it always meant a key that may push.
    const writes = req.method === "GET" || requested.some((s) => WRITE_SCOPES.includes(s));
    const rawName = typeof body.name === "string" && body.name.trim() ? body.name.trim() : "gem signin";
    const now = deps.clock.now();
    await recordEvent(deps.db, now, ctx, {
      type: "login.success",
      userId: user.id,
      data: { method: "password", client: "gem" },
    });
    const token = await createCliToken(deps, ctx, user, {
      name: rawName.slice(0, 100),
      projectIds: null,
      expiresInDays: null,
      readonly: !writes,
      via: "gem signin",
      grant: "cli-session",
    });
    return token.token;
  };
  app.get("/rubygems/api/v1/api_key", handler);
  app.post("/rubygems/api/v1/api_key", handler);
  // The client widens a key this way after a 403 "The API key doesn't have access…", which Wharf never sends.
  app.put("/rubygems/api/v1/api_key", async () => {
    throw gemErrors.KEY_UPDATE_UNSUPPORTED();
  });
}
