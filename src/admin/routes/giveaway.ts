import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import type { Deps } from "../../deps.js";
import { giveawayInventory, loadCodes } from "../../giveaway/index.js";
import { isAppError } from "../../lib/errors.js";
import {
  checkFields,
  formFailure,
  readForm,
  required,
  sendPage,
  setFlash,
  webErrors,
} from "../../web/index.js";
import { recordAudit } from "../audit.js";
import { adminErrors, requireReason } from "../errors.js";
import { auditActor } from "../guard.js";
import { type ClaimRow, GiveawayAdminPage, type GiveawayAdminState } from "../pages/giveaway.js";

const RECENT_CLAIMS = 50;

async function state(deps: Deps): Promise<Omit<GiveawayAdminState, "values" | "errors" | "error">> {
  const inventory = await giveawayInventory(deps);
  const batches = await deps.db
    .selectFrom("giveaway_codes")
    .select([
      "batch",
      (eb) => eb.fn.countAll<number>().as("loaded"),
      sql<number>`coalesce(sum(case when claimed_by is not null then 1 else 0 end), 0)`.as("claimed"),
      (eb) => eb.fn.min("loaded_at").as("first"),
    ])
    .groupBy("batch")
    .orderBy("first", "desc")
    .execute();
  // The inventory lists claims without their codes; the console shows each one's masked hint, newest first.
  const claims = await deps.db
    .selectFrom("giveaway_codes")
    .leftJoin("users", "users.id", "giveaway_codes.claimed_by")
    .select([
      "giveaway_codes.code_hint",
      "giveaway_codes.batch",
      "giveaway_codes.claimed_at",
      "users.username",
    ])
    .where("giveaway_codes.claimed_at", "is not", null)
    .orderBy("giveaway_codes.claimed_at", "desc")
    .limit(RECENT_CLAIMS)
    .execute();
  return {
    total: inventory.total,
    claimed: inventory.claimed,
    available: inventory.available,
    batches: batches.map((b) => ({
      batch: b.batch,
      loaded: Number(b.loaded),
      claimed: Number(b.claimed),
      firstLoadedAt: Number(b.first),
    })),
    claims: claims.map(
      (c): ClaimRow => ({
        username: c.username ?? "(deleted)",
        claimedAt: Number(c.claimed_at),
        batch: c.batch,
        masked: c.code_hint,
      }),
    ),
  };
}

async function render(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  extra: Partial<GiveawayAdminState> = {},
  status = 200,
) {
  const s = await state(deps);
  return sendPage(
    deps,
    req,
    reply,
    "Security-key giveaway",
    (c) => GiveawayAdminPage(c, { ...s, ...extra }),
    status,
  );
}

/**
 * Inventory, recent claims and loading codes (the web twin of `wharf giveaway load`). The audit entry
 * commits with the codes and records what was added and skipped; codes themselves never go into the log.
 */
export function registerGiveawayAdminRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/giveaway", (req, reply) => render(deps, req, reply));

  app.post("/admin/giveaway", async (req, reply) => {
    let form = { batch: "", codes: "", reason: "" };
    try {
      form = readForm(req, ["batch", "codes", "reason"] as const);
      const batch = form.batch.trim();
      checkFields({
        batch: () => {
          if (!batch || batch.length > 100) throw adminErrors.BATCH_REQUIRED();
        },
        codes: required(form.codes, adminErrors.CODES_REQUIRED().message),
        reason: () => requireReason(form.reason),
      });
      const reason = requireReason(form.reason);
      const actor = auditActor(req);
      const r = await loadCodes(deps, form.codes, batch, (tx, counts) =>
        recordAudit(tx, deps.clock.now(), actor, {
          action: "giveaway.load",
          targetType: "giveaway",
          target: batch,
          reason,
          data: counts,
        }),
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `Loaded ${r.added} code${r.added === 1 ? "" : "s"} into “${batch}”${r.skipped ? ` (${r.skipped} already loaded, skipped)` : ""}.`,
      });
      return reply.redirect("/admin/giveaway", 303);
    } catch (e) {
      const tooLong = isAppError(e) && e.code === "FIELD_TOO_LONG" && e.field === "codes";
      const f = formFailure(
        tooLong
          ? webErrors.FIELD_TOO_LONG("Up to 20,000 characters at a time: split the list.", { field: "codes" })
          : e,
        reply,
        form,
      );
      return render(deps, req, reply, f.state, f.status);
    }
  });
}
