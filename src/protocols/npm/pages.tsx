import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inSudo } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../events/index.js";
import { createCliToken, revokeUserToken } from "../../tokens/index.js";
// The web feature's CSRF check is not on its public surface yet; these pages post forms like the web's.
import { checkCsrf, ErrorPage, sendPage } from "../../web/index.js";
import { requestContext } from "./auth.js";
import { answerWebAuth, findWebAuth, newWebOtp, type WebAuth, type WebAuthKind } from "./web-auth.js";

const PATHS: Record<WebAuthKind, string> = { login: "/npm-cli/login/", otp: "/npm-cli/confirm/" };

function ConfirmPage(p: { csrf: string; wa: WebAuth; username: string; browserIp: string; action: string }) {
  const sameIp = p.wa.ip === p.browserIp;
  return (
    <div class="card narrow">
      <h1>{p.wa.kind === "login" ? "Sign in the npm command line?" : "Confirm this npm command"}</h1>
      <p>
        A command line asked to <strong>{p.wa.description}</strong>
        {p.wa.kind === "login"
          ? ` as ${p.username}. It will receive an API token for your whole account.`
          : "."}
      </p>
      <dl>
        <dt>Requested from</dt>
        <dd>{p.wa.ip}</dd>
        <dt>Requested at</dt>
        <dd>{new Date(p.wa.createdAt).toISOString().slice(0, 19).replace("T", " ")} UTC</dd>
      </dl>
      {!sameIp && (
        <div class="alert error" role="alert">
          This request came from a different address than your browser ({p.browserIp}). Confirm only if you
          started it yourself, just now — someone who sent you this link would get access in your name.
        </div>
      )}
      <form method="post" action={p.action} class="form">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <button type="submit" name="answer" value="confirm" class="button primary">
          {p.wa.kind === "login" ? "Sign in the command line" : "Confirm"}
        </button>{" "}
        <button type="submit" name="answer" value="deny" class="button secondary">
          Deny
        </button>
      </form>
    </div>
  );
}

function DonePage(p: { confirmed: boolean }) {
  return (
    <div class="card narrow">
      <h1>{p.confirmed ? "Done" : "Denied"}</h1>
      <p role="status">
        {p.confirmed
          ? "Return to your terminal: the command continues on its own."
          : "Nothing was done. The command in your terminal will stop."}
      </p>
    </div>
  );
}

/**
 * The browser half of the CLI hand-off. The person must be signed in (the normal login, with its
 * second step or a passkey) and within a fresh sudo window — for a security-key user that is where the
 * key is used — so confirming here is as strong as the strongest factor they hold.
 */
export function registerCliPages(app: FastifyInstance, deps: Deps): void {
  const notFound = (req: FastifyRequest, reply: FastifyReply, message: string, status = 404) =>
    sendPage(deps, req, reply, "Not found", (c) => ErrorPage(c, { status, message }), status);

  const load = async (
    kind: WebAuthKind,
    req: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ) => {
    const path = `${PATHS[kind]}${req.params.id}`;
    const wa = await findWebAuth(deps, req.params.id);
    if (!wa || wa.kind !== kind) {
      await notFound(req, reply, "This link is not valid or has expired. Run the command again.");
      return null;
    }
    if (!req.auth) {
      await reply.redirect(`/account/login?next=${encodeURIComponent(path)}`, 303);
      return null;
    }
    if (wa.userId && wa.userId !== req.auth.user.id) {
      await notFound(req, reply, "This confirmation belongs to another account. Sign in as that user.", 403);
      return null;
    }
    if (wa.confirmedAt || wa.deniedAt) {
      await sendPage(deps, req, reply, "Already answered", () =>
        DonePage({ confirmed: Boolean(wa.confirmedAt) }),
      );
      return null;
    }
    if (!inSudo(req.auth.session, deps.clock.now())) {
      await reply.redirect(`/account/sudo?next=${encodeURIComponent(path)}`, 303);
      return null;
    }
    return { wa, auth: req.auth, path };
  };

  for (const kind of ["login", "otp"] as const) {
    app.get<{ Params: { id: string } }>(`${PATHS[kind]}:id`, async (req, reply) => {
      const l = await load(kind, req, reply);
      if (!l) return reply;
      return sendPage(deps, req, reply, "Confirm", (c) =>
        ConfirmPage({
          csrf: c.csrf,
          wa: l.wa,
          username: l.auth.user.username,
          browserIp: req.ip,
          action: l.path,
        }),
      );
    });
    app.post<{ Params: { id: string } }>(`${PATHS[kind]}:id`, async (req, reply) => {
      checkCsrf(deps, req);
      const l = await load(kind, req, reply);
      if (!l) return reply;
      const confirm = (req.body as Record<string, unknown>)?.answer === "confirm";
      const ctx = requestContext(req);
      const user = l.auth.user;
      let ok: boolean;
      if (!confirm) ok = await answerWebAuth(deps, l.wa, user.id, { confirm: false });
      else if (kind === "otp")
        ok = await answerWebAuth(deps, l.wa, user.id, { confirm: true, result: newWebOtp() });
      else {
        const t = await createCliToken(deps, ctx, user, {
          name: `npm web login ${new Date(deps.clock.now()).toISOString().slice(0, 16).replace("T", " ")}`,
          projectIds: null,
          expiresInDays: null,
          via: "npm login in the browser",
          grant: "cli-session",
        });
        ok = await answerWebAuth(deps, l.wa, user.id, { confirm: true, result: t.token });
        // Someone answered first: this token would never reach anyone, so it must not stay valid.
        if (!ok) await revokeUserToken(deps, ctx, user, t.id);
      }
      if (!ok) return notFound(req, reply, "This request was already answered or expired.", 409);
      if (confirm)
        await recordEvent(deps.db, deps.clock.now(), ctx, {
          type: "cli.web_auth_confirmed",
          userId: user.id,
          data: { what: l.wa.description, from: l.wa.ip },
        });
      return sendPage(deps, req, reply, confirm ? "Done" : "Denied", () => DonePage({ confirmed: confirm }));
    });
  }
}
