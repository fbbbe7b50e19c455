import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { plural } from "../../lib/plural.js";
import { accountsAtDomain, normalizeDomain } from "../../recovery/index.js";
import { checkFields, formFailure, queryParam, readForm, sendPage, setFlash } from "../../web/index.js";
import { abandonDomain, domainsOverview, restoreDomain } from "../domains.js";
import { requireReason } from "../errors.js";
import { auditActor } from "../guard.js";
import { DomainsPage, type DomainsPageState } from "../pages/domains.js";

/** /admin/domains: email domains whose addresses can no longer recover an account. */
export function registerDomainRoutes(app: FastifyInstance, deps: Deps): void {
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    forms: Omit<DomainsPageState, "domains" | "suspects" | "checking">,
    status = 200,
  ) {
    const { domains, suspects } = await domainsOverview(deps);
    const { intervalMs, dnsServers, maxAccounts } = deps.config.domainCheck;
    const checking = { intervalMinutes: intervalMs / 60_000, servers: dnsServers, maxAccounts };
    return sendPage(
      deps,
      req,
      reply,
      "Email domains",
      (c) => DomainsPage(c, { domains, suspects, checking, ...forms }),
      status,
    );
  }

  // An account page links here with its domain: the form comes prefilled with how many accounts it hits.
  app.get("/admin/domains", async (req, reply) => {
    const raw = queryParam(req, "domain").slice(0, 253);
    let preview: DomainsPageState["preview"];
    if (raw) {
      try {
        const domain = normalizeDomain(raw);
        preview = { domain, accounts: await accountsAtDomain(deps.db, domain) };
      } catch (e) {
        if (!isAppError(e)) throw e;
      }
    }
    return page(req, reply, { mark: { values: { domain: raw } }, preview });
  });

  app.post("/admin/domains", async (req, reply) => {
    const form = readForm(req, ["domain", "reason"]);
    try {
      checkFields({ domain: () => normalizeDomain(form.domain), reason: () => requireReason(form.reason) });
      const r = await abandonDomain(deps, auditActor(req), form.domain, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `${r.domain} is marked abandoned: ${plural(r.accounts, "account")} can no longer be recovered through it.`,
      });
      return reply.redirect("/admin/domains", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return page(req, reply, { mark: state }, status);
    }
  });

  app.post("/admin/domains/restore", async (req, reply) => {
    const form = readForm(req, ["domain", "reason"]);
    try {
      const r = await restoreDomain(deps, auditActor(req), form.domain, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `${r.domain} is no longer marked abandoned: its addresses can recover accounts again.`,
      });
      return reply.redirect("/admin/domains", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { reason: form.reason });
      // The domain comes from a hidden field: a complaint about it goes above the form.
      if (!state.errors?.reason) state.error ??= Object.values(state.errors ?? {})[0];
      return page(req, reply, { restore: { domain: form.domain, state } }, status);
    }
  });
}
