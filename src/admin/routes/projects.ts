import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { offsetPage, toPage } from "../../lib/paging.js";
import { checkFields, formFailure, queryParam, readForm, sendPage, setFlash } from "../../web/index.js";
import { auditActor } from "../guard.js";
import { allowLookalike, listLookalikeAllowances, revokeLookalike } from "../lookalikes.js";
import { allowName, listProhibited, prohibitName } from "../names.js";
import type { ActionState } from "../pages/action-form.js";
import { NamesPage, type NamesPageState } from "../pages/names.js";
import { ProjectPage, ProjectsPage, projectPath } from "../pages/projects.js";
import {
  ECOSYSTEMS,
  findProjectAdmin,
  MB,
  nameFormRules,
  PROJECT_SEARCH_LIMIT,
  projectDetail,
  searchProjectsAdmin,
  setProjectUploadLimit,
  uploadLimitRules,
} from "../projects.js";

type ProjectReq = FastifyRequest<{ Params: { ecosystem: string; name: string } }>;

/** /admin/projects: search, a project's settings (upload limit), and the prohibited-names list. */
export function registerProjectAdminRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/projects", async (req, reply) => {
    const q = queryParam(req, "q").slice(0, 214);
    const wanted = queryParam(req, "ecosystem");
    const ecosystem = ECOSYSTEMS.find((e) => e === wanted) ?? null;
    const at = offsetPage(queryParam(req, "page"), PROJECT_SEARCH_LIMIT);
    const page = toPage(await searchProjectsAdmin(deps, q, ecosystem, at), at);
    const defaultMb = Math.floor(deps.config.uploadLimitBytes / MB);
    return sendPage(deps, req, reply, "Projects", (c) =>
      ProjectsPage(c, { q, ecosystem: ecosystem ?? "", projects: page.items, defaultMb, page }),
    );
  });

  async function namesPage(
    req: FastifyRequest,
    reply: FastifyReply,
    forms: Omit<NamesPageState, "names" | "lookalikes"> & {
      lookalikes?: Omit<NamesPageState["lookalikes"], "allowances">;
    },
    status = 200,
  ) {
    const names = await listProhibited(deps);
    const lookalikes = { ...forms.lookalikes, allowances: await listLookalikeAllowances(deps) };
    return sendPage(
      deps,
      req,
      reply,
      "Prohibited names",
      (c) => NamesPage(c, { ...forms, names, lookalikes }),
      status,
    );
  }

  // A project page links here with the ecosystem and name filled in.
  app.get("/admin/projects/prohibited", (req, reply) =>
    namesPage(req, reply, {
      prohibit: {
        values: { ecosystem: queryParam(req, "ecosystem"), name: queryParam(req, "name").slice(0, 214) },
      },
    }),
  );

  app.post("/admin/projects/prohibited", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"]);
    try {
      checkFields(nameFormRules(form));
      const r = await prohibitName(deps, auditActor(req), form.ecosystem, form.name, form.reason);
      const kept = r.projectExists ? " The existing project with this name keeps it." : "";
      setFlash(deps, reply, {
        kind: "success",
        message: `Nobody can create ${r.ecosystem} project '${r.name}' any more.${kept}`,
      });
      return reply.redirect("/admin/projects/prohibited", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return namesPage(req, reply, { prohibit: state }, status);
    }
  });

  app.post("/admin/projects/prohibited/allow", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"]);
    try {
      await allowName(deps, auditActor(req), form.ecosystem, form.name, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `'${form.name}' can be created on ${form.ecosystem} again.`,
      });
      return reply.redirect("/admin/projects/prohibited", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { reason: form.reason });
      // The ecosystem and name come from hidden fields: a complaint about them goes above the form.
      if (!state.errors?.reason) state.error ??= Object.values(state.errors ?? {})[0];
      return namesPage(req, reply, { allow: { key: `${form.ecosystem}/${form.name}`, state } }, status);
    }
  });

  app.post("/admin/projects/lookalikes", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"]);
    try {
      checkFields(nameFormRules(form));
      const r = await allowLookalike(deps, auditActor(req), form.ecosystem, form.name, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `${r.ecosystem} project '${r.name}' can be created despite its look-alike.`,
      });
      return reply.redirect("/admin/projects/prohibited#lookalikes", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return namesPage(req, reply, { lookalikes: { form: state } }, status);
    }
  });

  app.post("/admin/projects/lookalikes/revoke", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"]);
    try {
      const r = await revokeLookalike(deps, auditActor(req), form.ecosystem, form.name, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `New ${r.ecosystem} projects named '${r.name}' are refused as look-alikes again.`,
      });
      return reply.redirect("/admin/projects/prohibited#lookalikes", 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { reason: form.reason });
      // The ecosystem and name come from hidden fields: a complaint about them goes above the form.
      if (!state.errors?.reason) state.error ??= Object.values(state.errors ?? {})[0];
      const key = `${form.ecosystem}/${form.name}`;
      return namesPage(req, reply, { lookalikes: { revoke: { key, state } } }, status);
    }
  });

  async function projectPage(req: ProjectReq, reply: FastifyReply, limitForm?: ActionState, status = 200) {
    const project = await findProjectAdmin(deps, req.params.ecosystem, req.params.name);
    const detail = await projectDetail(deps, project);
    return sendPage(
      deps,
      req,
      reply,
      `${project.name} · Projects`,
      (c) => ProjectPage(c, { detail, limitForm }),
      status,
    );
  }

  app.get<{ Params: { ecosystem: string; name: string } }>("/admin/projects/:ecosystem/:name", (req, reply) =>
    projectPage(req, reply),
  );

  app.post<{ Params: { ecosystem: string; name: string } }>(
    "/admin/projects/:ecosystem/:name/upload-limit",
    async (req, reply) => {
      const project = await findProjectAdmin(deps, req.params.ecosystem, req.params.name);
      const form = readForm(req, ["limit_mb", "reason"]);
      try {
        checkFields(uploadLimitRules(deps, project, form));
        const bytes = await setProjectUploadLimit(deps, auditActor(req), project, form.limit_mb, form.reason);
        setFlash(deps, reply, {
          kind: "success",
          message:
            bytes === null
              ? `${project.name} uses the registry's default upload limit again.`
              : `${project.name} accepts files up to ${bytes / MB} MB.`,
        });
        return reply.redirect(projectPath(project), 303);
      } catch (e) {
        const { state, status } = formFailure(e, reply, form);
        return projectPage(req, reply, state, status);
      }
    },
  );
}
