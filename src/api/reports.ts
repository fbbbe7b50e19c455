import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { getUser } from "../accounts/index.js";
import type { Deps } from "../deps.js";
import { fileReport, type Reporter, reportErrors } from "../reports/index.js";
import { authenticateToken } from "../tokens/index.js";
import { projectHref } from "../web/index.js";
import { apiErrors } from "./errors.js";

const params = z.object({
  ecosystem: z.enum(["pypi", "npm", "rubygems"]),
  name: z.string().min(1).max(214),
});
const body = z.object({ reason: z.string().max(100), description: z.string().max(10_000) });

/**
 * Who is reporting: an API token (`Authorization: Bearer wharf_…`, any token that may write: a report is
 * a write, so read-only tokens are refused) or the browser session. Either way the body must be JSON,
 * which a cross-site form cannot send without a CORS preflight Wharf never grants (the session's CSRF
 * defence here, as in /api/policy/).
 */
async function reporterOf(deps: Deps, req: FastifyRequest): Promise<Reporter> {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
    throw apiErrors.JSON_REQUIRED('Send the report as JSON: {"reason": "malware", "description": "…"}.');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer) {
    const token = await authenticateToken(deps.db, deps.tokenUsage, deps.clock.now(), bearer, { ip: req.ip });
    const user = await getUser(deps.db, token.userId);
    if (!user) throw reportErrors.SIGN_IN_REQUIRED();
    return { userId: user.id, emailVerified: user.emailVerified };
  }
  if (!req.auth) throw reportErrors.SIGN_IN_REQUIRED();
  return { userId: req.auth.user.id, emailVerified: req.auth.user.emailVerified };
}

/**
 * `POST /api/projects/<ecosystem>/<name>/reports` with `{reason, description}`: the JSON twin of the
 * "Report malware" form. 201 with the report's id; reporters never read reports back (only operators
 * do, in the console), so there is no GET.
 */
export function registerReportsApi(app: FastifyInstance, deps: Deps): void {
  app.post("/api/projects/:ecosystem/:name/reports", async (req, reply) => {
    const p = params.safeParse(req.params);
    if (!p.success) throw reportErrors.PROJECT_NOT_FOUND();
    const reporter = await reporterOf(deps, req);
    const b = body.safeParse(req.body ?? {});
    if (!b.success) {
      const field = b.error.issues[0]?.path[0];
      throw field === "description" ? reportErrors.DESCRIPTION_INVALID() : reportErrors.CATEGORY_INVALID();
    }
    const { id, project } = await fileReport(deps, reporter, p.data.ecosystem, p.data.name, {
      category: b.data.reason,
      description: b.data.description,
    });
    return reply.status(201).send({
      id,
      ecosystem: project.ecosystem,
      name: project.name,
      url: `${deps.config.origin}${projectHref(project)}`,
      message: "Thank you: the registry's operators will review your report.",
    });
  });
}
