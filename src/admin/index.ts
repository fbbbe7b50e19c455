/** The operator console at /admin/ and its append-only audit log. */
export {
  type Adoption,
  type AdoptionPoint,
  adoptionSeries,
  type CohortAdoption,
  liveAdoption,
  startAdoptionSnapshotJob,
  takeSnapshot,
} from "./adoption.js";
export { type AuditActor, type AuditEntry, type AuditRecord, listAudit, recordAudit } from "./audit.js";
export { requireReason } from "./errors.js";
export {
  allowLookalike,
  type LookalikeAllowance,
  listLookalikeAllowances,
  revokeLookalike,
} from "./lookalikes.js";
export {
  type OperatorFigures,
  operatorFigures,
  recoveryBacklog,
  registerOperatorMetrics,
} from "./metrics.js";
export { registerAdmin } from "./routes.js";
