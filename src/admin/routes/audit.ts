import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { queryParam, sendPage } from "../../web/index.js";
import { listAudit } from "../audit.js";
import {
  AUDIT_PAGE_SIZE,
  type AUDIT_QUERY_FIELDS,
  type AuditQuery,
  auditActions,
  auditPageUrl,
  parseAuditQuery,
} from "../audit-query.js";
import { AuditPage } from "../pages/audit.js";

/** /admin/audit: the append-only log of admin actions, filtered, newest first, a page at a time. */
export function registerAuditRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/admin/audit", async (req, reply) => {
    const param = (k: (typeof AUDIT_QUERY_FIELDS)[number]) => queryParam(req, k).slice(0, 300);
    const query: AuditQuery = {
      actor: param("actor"),
      action: param("action"),
      target: param("target"),
      reason: param("reason"),
      from: param("from"),
      to: param("to"),
      before: param("before"),
    };
    const { filter, errors } = parseAuditQuery(query);
    const [rows, actions] = await Promise.all([listAudit(deps.db, filter), auditActions(deps.db)]);
    // One row more than a page is fetched: its presence is what says an older page exists.
    const entries = rows.slice(0, AUDIT_PAGE_SIZE);
    const last = entries.at(-1);
    const older = rows.length > AUDIT_PAGE_SIZE && last ? auditPageUrl(query, last.id) : null;
    const newest = filter.before ? auditPageUrl(query) : null;
    const status = Object.keys(errors).length ? 400 : 200;
    return sendPage(
      deps,
      req,
      reply,
      "Audit log",
      (c) => AuditPage(c, { query, errors, entries, actions, older, newest }),
      status,
    );
  });
}
