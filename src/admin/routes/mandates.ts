import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { transaction } from "../../db/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import {
  activeMandates,
  archiveMandate,
  auditedSettings,
  createMandate,
  getMandate,
  type Mandate,
  mandateErrors,
  phaseOf,
  updateMandate,
} from "../../mandates/index.js";
import { fieldErrorsOf, flashFailure, readForm, sendPage, setFlash } from "../../web/index.js";
import { recordAudit } from "../audit.js";
import { requireReason } from "../errors.js";
import { auditActor } from "../guard.js";
import {
  draftDigest,
  MANDATE_FIELDS,
  type MandateFormValues,
  previewDraft,
  readDraft,
  valuesOf,
} from "../mandate-form.js";
import { MandateFormPage, type MandateFormState, MandateListPage } from "../pages/mandates.js";

const EMPTY: MandateFormValues = Object.fromEntries(MANDATE_FIELDS.map((f) => [f, ""])) as MandateFormValues;
const NEW_DEFAULTS: MandateFormValues = { ...EMPTY, cohort: "critical", strength: "any", window: "180" };

async function mandateOr404(deps: Deps, id: string): Promise<Mandate> {
  const m = await getMandate(deps.db, id);
  if (!m || m.archivedAt !== null) throw mandateErrors.MANDATE_NOT_FOUND();
  return m;
}

function page(deps: Deps, req: FastifyRequest, reply: FastifyReply, s: MandateFormState, status = 200) {
  const title = s.mandate ? `Edit mandate ${s.values.name}` : "New mandate";
  return sendPage(deps, req, reply, title, (c) => MandateFormPage(c, s), status);
}

/**
 * One handler for "Preview" and "Save". Saving needs the digest of the previewed values: if anything
 * changed since the simulation was shown, the new values are previewed instead of saved, so nobody
 * saves a mandate whose reach they have not seen.
 */
async function submit(deps: Deps, req: FastifyRequest, reply: FastifyReply, existing: Mandate | null) {
  const values = readForm(req, MANDATE_FIELDS);
  const mandate = existing ? { id: existing.id, phase: phaseOf(existing, deps.clock.now()) } : undefined;
  const { draft, errors } = readDraft(values);
  if (!draft) {
    // Saving also needs a reason: said together with the draft's own errors, not after them. (With a
    // valid draft, a missing reason is said below, beside the preview.)
    const reason = fieldErrorsOf({
      reason: values.intent === "save" && (() => requireReason(values.reason)),
    });
    return page(deps, req, reply, { mandate, values, errors: { ...errors, ...reason } }, 400);
  }
  const digest = draftDigest(draft);
  const preview = await previewDraft(deps, draft);
  const again = (extra: Partial<MandateFormState>, status = 200) =>
    page(deps, req, reply, { mandate, values, preview, digest, ...extra }, status);
  if (values.intent !== "save") return again({});
  if (values.previewed !== digest)
    return again({ info: "The values changed since the last preview: check the simulation, then save." });
  let reason: string;
  try {
    reason = requireReason(values.reason);
  } catch (e) {
    if (!isAppError(e)) throw e;
    return again({ errors: { reason: e.message } }, 400);
  }
  const actor = auditActor(req);
  const now = deps.clock.now();
  try {
    const saved = await transaction(deps.db, async (tx) => {
      const m = existing
        ? await updateMandate(tx, existing.id, draft)
        : await createMandate(tx, now, actor.name, draft);
      await recordAudit(tx, now, actor, {
        action: existing ? "mandate.update" : "mandate.create",
        targetType: "mandate",
        target: m.name,
        reason,
        data: existing
          ? { id: m.id, before: auditedSettings(existing), after: auditedSettings(m) }
          : { id: m.id, ...auditedSettings(m) },
      });
      return m;
    });
    setFlash(deps, reply, {
      kind: "success",
      message: `Mandate “${saved.name}” ${existing ? "saved" : "created"}; it is in phase ${phaseOf(saved, now)}.`,
    });
    return reply.redirect("/admin/mandates", 303);
  } catch (e) {
    // The policy's own schema is the last word; its message names the field.
    if (!isAppError(e)) throw e;
    return again({ error: e.message }, e.status);
  }
}

export function registerMandateRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/mandates", async (req, reply) => {
    const now = deps.clock.now();
    const mandates = await activeMandates(deps.db);
    return sendPage(deps, req, reply, "Mandates", (c) =>
      MandateListPage(c, { mandates, now, phaseOf: (m) => phaseOf(m, now) }),
    );
  });

  app.get("/admin/mandates/new", (req, reply) => page(deps, req, reply, { values: NEW_DEFAULTS }));
  app.post("/admin/mandates", (req, reply) => submit(deps, req, reply, null));

  app.get<{ Params: { id: string } }>("/admin/mandates/:id/edit", async (req, reply) => {
    const m = await mandateOr404(deps, req.params.id);
    return page(deps, req, reply, {
      mandate: { id: m.id, phase: phaseOf(m, deps.clock.now()) },
      values: valuesOf(m),
    });
  });
  app.post<{ Params: { id: string } }>("/admin/mandates/:id", async (req, reply) =>
    submit(deps, req, reply, await mandateOr404(deps, req.params.id)),
  );

  app.post<{ Params: { id: string } }>("/admin/mandates/:id/archive", async (req, reply) => {
    const { reason: raw } = readForm(req, ["reason"] as const);
    try {
      const reason = requireReason(raw);
      const m = await mandateOr404(deps, req.params.id);
      const actor = auditActor(req);
      const now = deps.clock.now();
      await transaction(deps.db, async (tx) => {
        await archiveMandate(tx, now, m.id);
        await recordAudit(tx, now, actor, {
          action: "mandate.archive",
          targetType: "mandate",
          target: m.name,
          reason,
          data: { id: m.id, phase: phaseOf(m, now) },
        });
      });
      setFlash(deps, reply, {
        kind: "success",
        message: `Mandate “${m.name}” archived: it no longer applies.`,
      });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect("/admin/mandates", 303);
  });
}
