import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { claimCode, giveawayEligibility } from "../../giveaway/index.js";
import { isAppError } from "../../lib/errors.js";
import { sendPage, setFlash } from "../context.js";
import { requestContext } from "../forms.js";
import { GiveawayPage } from "../pages/giveaway.js";

/** The security-key giveaway's claim page for maintainers (admins load codes with `wharf giveaway load`). */
export function registerGiveawayRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/account/security-keys", async (req, reply) => {
    if (!req.auth) return reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
    const e = await giveawayEligibility(deps, req.auth.user.id);
    return sendPage(deps, req, reply, "Free security keys", (c) => GiveawayPage(c, { e }));
  });
  app.post("/account/security-keys", async (req, reply) => {
    if (!req.auth) return reply.redirect("/account/login?next=/account/security-keys", 303);
    try {
      await claimCode(deps, requestContext(req), req.auth.user);
      setFlash(deps, reply, { kind: "success", message: "Here is your code." });
      return reply.redirect("/account/security-keys", 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const elig = await giveawayEligibility(deps, req.auth.user.id);
      return sendPage(
        deps,
        req,
        reply,
        "Free security keys",
        (c) => GiveawayPage(c, { e: elig, error: e.message }),
        e.status,
      );
    }
  });
}
