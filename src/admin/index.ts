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
export {
  type CheckOutcome,
  type CheckRun,
  DNS_CHECK_ACTOR,
  DOMAIN_CHECK_LEASE,
  runDomainChecks,
  startDomainCheckJob,
} from "./domain-check.js";
export { type DomainCheck, notableChecks } from "./domain-check-store.js";
export { domainsOverview } from "./domains.js";
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
export {
  closeProjectQuarantine,
  dismissReports,
  type QuarantineOutcome,
  quarantineProject,
} from "./quarantine.js";
export { type QueueEntry, type QueueKind, quarantineQueue } from "./quarantine-queue.js";
export { registerAdmin } from "./routes.js";
