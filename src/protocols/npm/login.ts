import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { checkPasswordLogin, getUserByUsername, registerUser, type User } from "../../accounts/index.js";
import { collectWebAuth, createWebAuth } from "../../cli-handoff/index.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../events/index.js";
import { createCliToken, findUserTokenId, revokeUserToken } from "../../tokens/index.js";
import { requestContext, requireAuth } from "./auth.js";
import { npmErrors } from "./errors.js";
import { requireSecondFactor } from "./second-factor.js";

const CouchUser = z.looseObject({
  name: z.string().min(1).max(100),
  password: z.string().min(1).max(4096),
  email: z.string().max(254).optional(),
});

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/**
 * Logging in from the CLI. Every way ends with a Wharf API token (the one token store: it shows on
 * /account/tokens and can be revoked there); a password never travels again after login.
 */
export function registerLogin(app: FastifyInstance, deps: Deps): void {
  // Legacy login and `npm adduser`: a correct password (and second factor) gets a token; an unknown
  // name with an email registers, when registration is open — npm's "adduser of an existing user is
  // a login" quirk included.
  app.put<{ Params: { name: string } }>("/npm/-/user/org.couchdb.user:::name", async (req, reply) => {
    const parsed = CouchUser.safeParse(req.body);
    if (!parsed.success) throw npmErrors.BODY_INVALID("Send {name, password}, as npm login does.");
    const body = parsed.data;
    if (body.name !== req.params.name)
      throw npmErrors.NAME_MISMATCH("The user name in the URL and in the body differ.");
    const ctx = requestContext(req);
    const existing = await getUserByUsername(deps.db, body.name);
    let method = "password";
    let user: User;
    if (!existing && body.email) {
      user = await registerUser(deps, ctx, {
        username: body.name,
        email: body.email,
        password: body.password,
      });
      method = "registration";
    } else {
      user = await checkPasswordLogin(deps, ctx, body.name, body.password);
      await requireSecondFactor(deps, req, user, null, {
        kind: "auth",
        description: `sign in to the npm command line as ${user.username}`,
      });
    }
    const now = deps.clock.now();
    await recordEvent(deps.db, now, ctx, {
      type: "login.success",
      userId: user.id,
      data: { method, client: "npm" },
    });
    const token = await createCliToken(deps, ctx, user, {
      name: `npm login ${stamp(now)}`,
      projectIds: null,
      expiresInDays: null,
      via: "npm login",
      grant: "cli-session",
    });
    return reply.status(201).send({ ok: true, id: `org.couchdb.user:${user.username}`, token: token.token });
  });

  // `npm owner add` looks the user up first. Emails stay private (see packument.ts).
  app.get<{ Params: { name: string } }>("/npm/-/user/org.couchdb.user:::name", async (req) => {
    const auth = await requireAuth(deps, req);
    const user = await getUserByUsername(deps.db, req.params.name);
    if (!user) throw npmErrors.NOT_FOUND(`No user named '${req.params.name}'.`);
    return {
      _id: `org.couchdb.user:${user.username}`,
      name: user.username,
      email: user.id === auth.user.id ? user.email : "",
      type: "user",
    };
  });

  // Web login: the person signs in (password + second factor, or a passkey) and confirms in the browser.
  app.post("/npm/-/v1/login", async (req) => {
    // Unauthenticated and it stores a row: the passkey ceremony's per-IP budget caps it.
    await deps.limits.consume("webauthnIp", req.ip);
    const wa = await createWebAuth(deps, {
      kind: "login",
      userId: null,
      description: "sign in to the npm command line",
      operation: "login",
      ip: req.ip,
    });
    return {
      loginUrl: `${deps.config.origin}/npm-cli/login/${wa.id}`,
      doneUrl: `${deps.config.origin}/npm/-/v1/done/${wa.id}/${wa.secret}`,
    };
  });

  // The CLI polls here for the result of either hand-off (a login token, or a write's one-time password).
  app.get<{ Params: { id: string; secret: string } }>("/npm/-/v1/done/:id/:secret", async (req, reply) => {
    const r = await collectWebAuth(deps, req.params.id, req.params.secret, req.ip);
    reply.header("cache-control", "no-store");
    if (!r)
      throw npmErrors.WEB_AUTH_INVALID(
        "This sign-in expired, was already used, or does not exist. Run the command again.",
      );
    if (r.state === "pending") return reply.status(202).header("retry-after", "1").send({});
    if (r.state === "denied")
      return reply.status(403).send({ error: "The request was denied in the browser." });
    return reply.send({ token: r.token });
  });

  // npm logout: the token revokes itself.
  app.delete<{ Params: { token: string } }>("/npm/-/user/token/:token", async (req) => {
    const auth = await requireAuth(deps, req);
    const id = await findUserTokenId(deps, auth.user.id, req.params.token);
    if (!id) throw npmErrors.NOT_FOUND("That token does not exist.");
    await revokeUserToken(deps, requestContext(req), auth.user, id);
    return { ok: true };
  });
}
