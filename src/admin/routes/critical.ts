import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type RawBuilder, sql } from "kysely";
import { designateCritical, MANUAL, removeCritical } from "../../criticality/index.js";
import type { Deps } from "../../deps.js";
import type { StatsEcosystem } from "../../stats/index.js";
import {
  checkFields,
  flashFailure,
  formFailure,
  queryParam,
  readForm,
  required,
  sendPage,
  setFlash,
} from "../../web/index.js";
import { HAS_ANY, HAS_KEY } from "../adoption.js";
import { recordAudit } from "../audit.js";
import { consoleErrors } from "../console-errors.js";
import { adminErrors, requireReason } from "../errors.js";
import { auditActor } from "../guard.js";
import { CriticalPage, type CriticalPageState, type CriticalRow, ECOSYSTEMS } from "../pages/critical.js";

const LIMIT = 500;

/** Critical projects and exclusions, with how many of their active maintainers have a key or any factor. */
async function criticalRows(
  deps: Deps,
  filter: CriticalPageState["filter"],
): Promise<{ rows: CriticalRow[]; matching: number }> {
  const maintainers = (extra: RawBuilder<boolean>) =>
    sql<number>`(select count(*) from roles r join users u on u.id = r.user_id
      where r.project_id = p.id and u.is_frozen = 0 and ${extra})`;
  let q = deps.db
    .selectFrom("projects as p")
    .where((eb) =>
      eb.or([eb("p.critical_since", "is not", null), eb("p.critical_manual", "=", MANUAL.excluded)]),
    );
  if (filter.ecosystem) q = q.where("p.ecosystem", "=", filter.ecosystem);
  if (filter.q)
    q = q.where("p.normalized_name", "like", `%${filter.q.toLowerCase().replace(/[%_\\]/g, "")}%`);
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
  const rows = await q
    .select([
      "p.ecosystem",
      "p.name",
      "p.normalized_name",
      "p.critical_since",
      "p.critical_manual",
      "p.critical_reason",
      maintainers(sql<boolean>`1 = 1`).as("maintainers"),
      maintainers(HAS_KEY).as("with_key"),
      maintainers(HAS_ANY).as("with_any"),
    ])
    .orderBy("p.ecosystem")
    .orderBy("p.normalized_name")
    .limit(LIMIT)
    .execute();
  return {
    matching: Number(count?.n ?? 0),
    rows: rows.map((r) => ({
      ecosystem: r.ecosystem,
      name: r.name,
      normalizedName: r.normalized_name,
      since: r.critical_since,
      manual: Number(r.critical_manual),
      reason: r.critical_reason,
      maintainers: Number(r.maintainers),
      withKey: Number(r.with_key),
      withAny: Number(r.with_any),
    })),
  };
}

function readFilter(req: FastifyRequest): CriticalPageState["filter"] {
  const e = queryParam(req, "ecosystem");
  return {
    ecosystem: (ECOSYSTEMS as readonly string[]).includes(e) ? e : "",
    q: queryParam(req, "q").slice(0, 100),
  };
}

async function render(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  extra: Partial<CriticalPageState> = {},
  status = 200,
) {
  const filter = readFilter(req);
  const { rows, matching } = await criticalRows(deps, filter);
  return sendPage(
    deps,
    req,
    reply,
    "Critical projects",
    (c) => CriticalPage(c, { rows, matching, limit: LIMIT, filter, ...extra }),
    status,
  );
}

function ecosystemOf(raw: string): StatsEcosystem {
  if (!(ECOSYSTEMS as readonly string[]).includes(raw)) throw consoleErrors.ECOSYSTEM_INVALID();
  return raw as StatsEcosystem;
}

/**
 * Manual designation and removal, each with a reason: criticality-manual.ts records it on the project and
 * its maintainers' histories and mails them; the console's audit entry is written in that same transaction,
 * and only when something changed.
 */
export function registerCriticalRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/critical", (req, reply) => render(deps, req, reply));

  app.post("/admin/critical/designate", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"] as const);
    try {
      checkFields({
        ecosystem: () => ecosystemOf(form.ecosystem),
        name: required(form.name, adminErrors.NAME_REQUIRED().message),
        reason: () => requireReason(form.reason),
      });
      const ecosystem = ecosystemOf(form.ecosystem);
      const reason = requireReason(form.reason);
      const actor = auditActor(req);
      const r = await designateCritical(deps, {
        ecosystem,
        name: form.name.trim(),
        reason,
        actorId: actor.id,
        alsoInTransaction: (tx, c) =>
          recordAudit(tx, deps.clock.now(), actor, {
            action: "critical.designate",
            targetType: "project",
            target: `${ecosystem}/${c.project}`,
            reason,
            data: { maintainers: c.maintainers },
          }),
      });
      setFlash(deps, reply, {
        kind: r.changed ? "success" : "info",
        message: r.changed
          ? `${r.project} is now critical (${r.mailed} maintainer${r.mailed === 1 ? "" : "s"} told).`
          : `${r.project} was already designated critical.`,
      });
      return reply.redirect("/admin/critical", 303);
    } catch (e) {
      const f = formFailure(e, reply, form);
      return render(deps, req, reply, f.state, f.status);
    }
  });

  app.post("/admin/critical/remove", async (req, reply) => {
    const form = readForm(req, ["ecosystem", "name", "reason"] as const);
    try {
      const ecosystem = ecosystemOf(form.ecosystem);
      const reason = requireReason(form.reason);
      const actor = auditActor(req);
      const r = await removeCritical(deps, {
        ecosystem,
        name: form.name,
        reason,
        actorId: actor.id,
        alsoInTransaction: (tx, c) =>
          recordAudit(tx, deps.clock.now(), actor, {
            action: "critical.remove",
            targetType: "project",
            target: `${ecosystem}/${c.project}`,
            reason,
            data: { maintainers: c.maintainers },
          }),
      });
      setFlash(deps, reply, {
        kind: r.changed ? "success" : "info",
        message: r.changed
          ? `${r.project} is no longer critical; the daily ranking will not designate it again.`
          : `${r.project} was already excluded.`,
      });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect("/admin/critical", 303);
  });
}
