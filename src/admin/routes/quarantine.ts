import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { formFailure, readForm, sendPage, setFlash } from "../../web/index.js";
import { auditActor } from "../guard.js";
import type { ActionState } from "../pages/action-form.js";
import { QuarantinePage, type QuarantinePageState, type QueueAction } from "../pages/quarantine.js";
import { findProjectAdmin } from "../projects.js";
import { closeProjectQuarantine, dismissReports, quarantineProject } from "../quarantine.js";
import { quarantineQueue } from "../quarantine-queue.js";

const QUEUE = "/admin/quarantine";
const ROW_FIELDS = ["ecosystem", "name", "reason", "allow_lookalike"] as const;
type RowForm = Record<(typeof ROW_FIELDS)[number], string>;

/** /admin/quarantine: the queue of held, quarantined and reported projects, and its decisions. */
export function registerQuarantineRoutes(app: FastifyInstance, deps: Deps): void {
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    forms: Omit<QuarantinePageState, "entries"> = {},
    status = 200,
  ) {
    const entries = await quarantineQueue(deps);
    return sendPage(
      deps,
      req,
      reply,
      "Quarantine queue",
      (c) => QuarantinePage(c, { ...forms, entries }),
      status,
    );
  }

  app.get(QUEUE, (req, reply) => page(req, reply));

  app.post(QUEUE, async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"]);
    try {
      const p = await quarantineProject(deps, auditActor(req), form.ecosystem, form.name, form.reason);
      setFlash(deps, reply, {
        kind: "success",
        message: `${p.name} is quarantined: hidden from installers.`,
      });
      return reply.redirect(QUEUE, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return page(req, reply, { form: state }, status);
    }
  });

  /** A row's action: the project comes from hidden fields, the reason from the row's own field. */
  const rowAction = (action: QueueAction, run: (req: FastifyRequest, form: RowForm) => Promise<string>) =>
    app.post(`${QUEUE}/${action}`, async (req, reply) => {
      const form = readForm(req, ROW_FIELDS);
      try {
        setFlash(deps, reply, { kind: "success", message: await run(req, form) });
        return reply.redirect(QUEUE, 303);
      } catch (e) {
        const { state, status } = formFailure(e, reply, { reason: form.reason });
        // A complaint about the hidden fields (a project gone meanwhile) goes above the row's form.
        if (!state.errors?.reason) state.error ??= Object.values(state.errors ?? {})[0];
        const project = await findProjectAdmin(deps, form.ecosystem, form.name).catch(() => null);
        const failed = { projectId: project?.id ?? "", action, state: state as ActionState };
        return page(req, reply, { failed }, status);
      }
    });

  rowAction("release", async (req, f) => {
    const allow = f.allow_lookalike === "1";
    const p = await closeProjectQuarantine(deps, auditActor(req), f.ecosystem, f.name, "released", f.reason, {
      allowLookalike: allow,
    });
    return `${p.name} is released and served again.${allow ? " Its name is allowed despite its look-alike." : ""}`;
  });
  rowAction("reject", async (req, f) => {
    const p = await closeProjectQuarantine(deps, auditActor(req), f.ecosystem, f.name, "rejected", f.reason);
    return `${p.name} is rejected: it stays hidden, its name taken and its files kept for inspection.`;
  });
  rowAction("quarantine", async (req, f) => {
    const p = await quarantineProject(deps, auditActor(req), f.ecosystem, f.name, f.reason);
    return `${p.name} is quarantined: hidden from installers.`;
  });
  rowAction("dismiss", async (req, f) => {
    const r = await dismissReports(deps, auditActor(req), f.ecosystem, f.name, f.reason);
    return `${r.dismissed} report${r.dismissed === 1 ? "" : "s"} on ${r.project.name} dismissed.`;
  });
}
