import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import { checkCsrf } from "../web/index.js";
import { registerConsoleScript } from "./console-script.js";
import { admitAdmin } from "./guard.js";
import { registerAuditRoutes } from "./routes/audit.js";
import { registerCriticalRoutes } from "./routes/critical.js";
import { registerDashboardRoutes } from "./routes/dashboard.js";
import { registerDomainRoutes } from "./routes/domains.js";
import { registerGiveawayAdminRoutes } from "./routes/giveaway.js";
import { registerMandateRoutes } from "./routes/mandates.js";
import { registerProjectAdminRoutes } from "./routes/projects.js";
import { registerQuarantineRoutes } from "./routes/quarantine.js";
import { registerRecoveryQueueRoutes } from "./routes/recovery.js";
import { registerUserAdminRoutes } from "./routes/users.js";

/**
 * Every /admin/ route sits in this scope: the guard admits only admins signed in with a security key
 * or passkey, and every POST carries the CSRF token like the rest of the site.
 */
export async function registerAdmin(app: FastifyInstance, deps: Deps): Promise<void> {
  await app.register(async (admin) => {
    admin.addHook("preHandler", async (req, reply) => {
      if (!(await admitAdmin(deps, req, reply))) return reply;
      if (req.method === "POST") checkCsrf(deps, req);
    });
    registerConsoleScript(admin);
    registerDashboardRoutes(admin, deps);
    registerRecoveryQueueRoutes(admin, deps);
    registerUserAdminRoutes(admin, deps);
    registerProjectAdminRoutes(admin, deps);
    registerQuarantineRoutes(admin, deps);
    registerCriticalRoutes(admin, deps);
    registerMandateRoutes(admin, deps);
    registerGiveawayAdminRoutes(admin, deps);
    registerDomainRoutes(admin, deps);
    registerAuditRoutes(admin, deps);
  });
}
