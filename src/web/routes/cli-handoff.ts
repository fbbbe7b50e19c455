import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inSudo } from "../../accounts/index.js";
import { answerWebAuth, findWebAuth, newWebOtp, type WebAuthKind } from "../../cli-handoff/index.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../events/index.js";
import { createCliToken, revokeUserToken } from "../../tokens/index.js";
import { sendPage } from "../context.js";
import { requestContext } from "../forms.js";
import { ConfirmPage, DonePage } from "../pages/cli-handoff.js";
import { ErrorPage } from "../pages/home.js";

/** Where the person answers each kind (the URL the CLI prints or opens). */
export const HANDOFF_PATHS: Record<WebAuthKind, string> = {
  login: "/npm-cli/login/",
  otp: "/npm-cli/confirm/",
  "gem-otp": "/gem-cli/confirm/",
};

/**
 * The browser half of the CLI hand-offs (cli-handoff/). The person must be signed in (the normal
 * login, with its second step or a passkey) and within a fresh sudo window — for a security-key user
 * that is where the key is used — so confirming here is as strong as the strongest factor they hold.
 */
export function registerCliHandoffPages(app: FastifyInstance, deps: Deps): void {
  const notFound = (req: FastifyRequest, reply: FastifyReply, message: string, status = 404) =>
    sendPage(deps, req, reply, "Not found", (c) => ErrorPage(c, { status, message }), status);

  const load = async (
    kind: WebAuthKind,
    req: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ) => {
    const path = `${HANDOFF_PATHS[kind]}${req.params.id}`;
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

  for (const kind of Object.keys(HANDOFF_PATHS) as WebAuthKind[]) {
    app.get<{ Params: { id: string } }>(`${HANDOFF_PATHS[kind]}:id`, async (req, reply) => {
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
    app.post<{ Params: { id: string } }>(`${HANDOFF_PATHS[kind]}:id`, async (req, reply) => {
      const l = await load(kind, req, reply);
      if (!l) return reply;
      const confirm = (req.body as Record<string, unknown>)?.answer === "confirm";
      const ctx = requestContext(req);
      const user = l.auth.user;
      let ok: boolean;
      if (!confirm) ok = await answerWebAuth(deps, l.wa, user.id, { confirm: false });
      else if (kind !== "login")
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
