import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { isEcosystemName } from "../../ecosystems/index.js";
import { fileReport, findReportedProject, reportErrors } from "../../reports/index.js";
import { sendPage, setFlash } from "../context.js";
import { formFailure, readForm } from "../forms.js";
import { projectHref } from "../hrefs.js";
import { ReportPage, type ReportPageState } from "../pages/report.js";
import { queryParam, signedIn } from "./guards.js";

/** The "Report malware" form of a project page (issue 18 item 3); the JSON twin is in src/api/reports.ts. */
export function registerReportRoutes(app: FastifyInstance, deps: Deps): void {
  /** The named project; a quarantined one is answered as such (its name is taken either way). */
  async function reported(rawEcosystem: string, name: string) {
    const ecosystem = rawEcosystem;
    if (!isEcosystemName(ecosystem)) throw reportErrors.PROJECT_NOT_FOUND();
    return findReportedProject(deps.db, ecosystem, name);
  }

  function page(req: FastifyRequest, reply: FastifyReply, s: ReportPageState, status = 200) {
    return sendPage(deps, req, reply, `Report ${s.name}`, (c) => ReportPage(c, s), status);
  }

  app.get("/report", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const project = await reported(queryParam(req, "ecosystem"), queryParam(req, "name"));
    const base = { ecosystem: project.ecosystem, name: project.name, projectHref: projectHref(project) };
    if (!auth.user.emailVerified)
      return page(req, reply, { ...base, refused: reportErrors.EMAIL_UNVERIFIED().message }, 403);
    if (project.quarantinedAt)
      return page(req, reply, { ...base, refused: reportErrors.ALREADY_QUARANTINED().message }, 409);
    return page(req, reply, base);
  });

  app.post("/report", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const form = readForm(req, ["ecosystem", "name", "category", "description"]);
    const project = await reported(form.ecosystem, form.name);
    const base = { ecosystem: project.ecosystem, name: project.name, projectHref: projectHref(project) };
    try {
      const reporter = { userId: auth.user.id, emailVerified: auth.user.emailVerified };
      await fileReport(deps, reporter, project.ecosystem, project.name, form);
      setFlash(deps, reply, {
        kind: "success",
        message: `Thank you: your report on ${project.name} reached the registry's operators.`,
      });
      return reply.redirect(projectHref(project), 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      // Refusals of the reporter or the project itself: no form to correct, only the reason.
      if (status === 403 || state.error === reportErrors.ALREADY_QUARANTINED().message)
        return page(req, reply, { ...base, refused: state.error }, status);
      return page(req, reply, { ...base, ...state }, status);
    }
  });
}
