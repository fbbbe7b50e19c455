/** The operator console at /admin/ and its append-only audit log. */
export { type AuditActor, type AuditEntry, type AuditRecord, listAudit, recordAudit } from "./audit.js";
export { registerAdmin } from "./routes.js";
