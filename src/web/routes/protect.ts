import type { FastifyInstance } from "fastify";
import { inSudo } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { factorSummary } from "../../mfa/index.js";
import { sendPage, setFlash } from "../context.js";
import { ProtectPage } from "../pages/protect.js";

export const PROTECT = "/account/protect";

/** Where sign-up and email verification lead an account that has no second factor yet. */
export async function afterSignUp(deps: Deps, userId: string): Promise<string> {
  return (await factorSummary(deps.db, userId)).enrolled ? "/account/" : PROTECT;
}

/**
 * The "protect your account" step. Adding a factor needs sudo; a sign-up a moment ago opened that
 * window, so the usual path is one click. Later (or in another browser) the password comes first.
 */
export function registerProtectRoutes(app: FastifyInstance, deps: Deps): void {
  app.get(PROTECT, async (req, reply) => {
    const auth = req.auth;
    if (!auth) return reply.redirect(`/account/login?next=${encodeURIComponent(PROTECT)}`, 303);
    if ((await factorSummary(deps.db, auth.user.id)).enrolled)
      return reply.redirect("/account/two-factor", 303);
    if (!inSudo(auth.session, deps.clock.now())) {
      setFlash(deps, reply, { kind: "info", message: "Confirm your password, then add a second factor." });
      return reply.redirect(`/account/sudo?next=${encodeURIComponent(PROTECT)}`, 303);
    }
    return sendPage(deps, req, reply, "Protect your account", (c) => ProtectPage(c, {}));
  });
}
