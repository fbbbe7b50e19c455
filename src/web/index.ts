import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import { checkCsrf, registerWebContext, sendPage, setFlash } from "./context.js";
import { HomePage } from "./pages/home.js";
import { registerAccountRoutes } from "./routes/account.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerCliHandoffPages } from "./routes/cli-handoff.js";
import { registerDependentsRoutes } from "./routes/dependents.js";
import { registerGemRoutes } from "./routes/gem.js";
import { registerGiveawayRoutes } from "./routes/giveaway.js";
import { registerHelpRoutes } from "./routes/help.js";
import { registerLoginRoutes } from "./routes/login-mfa.js";
import { registerManageRoutes } from "./routes/manage.js";
import { registerManagePackageRoutes } from "./routes/manage-package.js";
import { registerPackageRoutes } from "./routes/package.js";
import { registerProjectRoutes } from "./routes/project.js";
import { registerYourProjectsRoutes } from "./routes/projects.js";
import { registerRecoveryRoutes } from "./routes/recovery.js";
import { registerReportRoutes } from "./routes/report.js";
import { registerScopeRoutes } from "./routes/scopes.js";
import { registerSudoRoutes } from "./routes/sudo.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { registerTwoFactorRoutes } from "./routes/two-factor.js";
import { registerWebAuthnRoutes } from "./routes/webauthn.js";
import { registerStaticScripts } from "./static-scripts.js";
import { STYLESHEET } from "./styles/index.js";

// What other features' pages (the operator console in src/admin) build on.
export { Field, Form, FormError, Pager, Submit, TableScroll, Time } from "./components.js";
export { checkCsrf, type PageContext, safeNext, sendPage, setFlash, type WebAuth } from "./context.js";
export { webErrors } from "./errors.js";
export { type Detail, DetailList, dataDetails, EventDetails, eventDetails } from "./event-details.js";
export { ago, relativeAge } from "./format.js";
export {
  checkFields,
  choice,
  fieldErrorsOf,
  formFailure,
  readForm,
  requestContext,
  required,
} from "./forms.js";
export { gemHref, manageHref, npmPackageHref, projectHref } from "./hrefs.js";
export { ErrorPage } from "./pages/home.js";
export { flashFailure, queryParam, readList } from "./routes/guards.js";

const ENROLL_FIRST_ALLOWED =
  /^\/(account\/(two-factor|sudo|logout|login|recovery|reset-password)(\/|\?|$)|static\/|favicon\.ico)/;

/** The server-rendered website. Every POST here must carry a valid CSRF token. */
export async function registerWeb(app: FastifyInstance, deps: Deps): Promise<void> {
  // The signed-in user and the anonymous CSRF cookie are read for every request, not only for web
  // routes: error pages (404s included) render the same layout and must not mint a new anon cookie,
  // which would void the forms open in the browser's other tabs.
  registerWebContext(app, deps);
  app.get("/favicon.ico", (_req, reply) =>
    reply.status(204).header("cache-control", "public, max-age=86400").send(),
  );
  await app.register(async (web) => {
    web.addHook("preHandler", async (req, reply) => {
      if (req.method === "POST") checkCsrf(deps, req);
      // After a completed account recovery the account has no factor: enrolling one comes before
      // anything else (tokens, projects, settings), so a recovered account is never left unprotected.
      if (req.auth?.user.mfaRequiredAt && !ENROLL_FIRST_ALLOWED.test(req.url)) {
        setFlash(deps, reply, {
          kind: "info",
          message: "Your account was recovered. Set up two-factor authentication before anything else.",
        });
        return reply.redirect("/account/two-factor", 303);
      }
    });
    web.get("/", (req, reply) => sendPage(deps, req, reply, "Home", (c) => HomePage(c, deps.config)));
    web.get("/static/wharf.css", (_req, reply) =>
      reply
        .header("content-type", "text/css; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .send(STYLESHEET),
    );
    registerStaticScripts(web);
    registerAuthRoutes(web, deps);
    registerLoginRoutes(web, deps);
    registerSudoRoutes(web, deps);
    registerRecoveryRoutes(web, deps);
    registerHelpRoutes(web, deps);
    registerTwoFactorRoutes(web, deps);
    registerWebAuthnRoutes(web, deps);
    registerAccountRoutes(web, deps);
    registerGiveawayRoutes(web, deps);
    registerTokenRoutes(web, deps);
    registerYourProjectsRoutes(web, deps);
    registerProjectRoutes(web, deps);
    registerDependentsRoutes(web, deps);
    registerPackageRoutes(web, deps);
    registerReportRoutes(web, deps);
    const manage = registerManageRoutes(web, deps);
    registerManagePackageRoutes(web, deps, manage);
    registerGemRoutes(web, deps, manage);
    registerCliHandoffPages(web, deps);
    registerScopeRoutes(web, deps);
  });
}
