import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { sendPage } from "../context.js";
import { DesignPage } from "../pages/design.js";
import { AccountRecoveryPolicyPage } from "../pages/help.js";

/** Public policy pages: readable without an account (someone locked out cannot sign in to read them). */
export function registerHelpRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/help/account-recovery", (req, reply) =>
    sendPage(deps, req, reply, "Account recovery policy", (c) =>
      AccountRecoveryPolicyPage(c, {
        siteName: deps.config.siteName,
        waitMs: deps.config.recoveryWaitMs,
        criticalWaitMs: deps.config.recoveryCriticalWaitMs,
      }),
    ),
  );
  // Every component on one page: the reference for page authors and what the screenshot tests check.
  app.get("/help/design", (req, reply) =>
    sendPage(deps, req, reply, "Design system", (c) => DesignPage(c, { now: deps.clock.now() })),
  );
}
