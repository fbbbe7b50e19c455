import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { factorSummary } from "../mfa/index.js";
import { sendPage, type WebAuth } from "../web/index.js";
import { ConsoleRefusedPage } from "./pages/layout.js";

/**
 * The console is for admins signed in with a phishing-resistant factor (OpenSSF L3; an operator's
 * account is the most valuable account on the registry, so a phished TOTP code must not open it).
 * Returns the admin, or sends the refusal and returns null. Fails closed: anything unexpected refuses.
 */
export async function admitAdmin(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<WebAuth | null> {
  const auth = req.auth;
  if (!auth) {
    await reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
    return null;
  }
  if (!auth.user.isAdmin) {
    // The same 404 as any unknown page: the console's existence is not advertised to everyone.
    await sendPage(
      deps,
      req,
      reply,
      "Page not found",
      (c) => ConsoleRefusedPage(c, { reason: "not-admin" }),
      404,
    );
    return null;
  }
  const factors = await factorSummary(deps.db, auth.user.id);
  if (!factors.keys.length) {
    await sendPage(
      deps,
      req,
      reply,
      "Security key required",
      (c) => ConsoleRefusedPage(c, { reason: "no-key" }),
      403,
    );
    return null;
  }
  if (!auth.session.phishingResistant) {
    await sendPage(
      deps,
      req,
      reply,
      "Security key required",
      (c) => ConsoleRefusedPage(c, { reason: "weak-session" }),
      403,
    );
    return null;
  }
  return auth;
}

/** The admin of a console request (set by the scope's preHandler, so handlers never see null). */
export function adminOf(req: FastifyRequest): WebAuth {
  if (!req.auth?.user.isAdmin) throw new Error("admin route without the console guard");
  return req.auth;
}
