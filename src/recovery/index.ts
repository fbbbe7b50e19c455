/** Account recovery: requests, machine-checked proofs, waiting periods, the operator queue. */
export { cancelAsOwner, cancelByLink, requestOfCancelLink, stopWithFactor } from "./cancel.js";
export {
  type CompletionRun,
  completeDueRecoveries,
  isAbandonedRequest,
  startRecoveryJob,
} from "./complete.js";
export { type RecoveryDeps, waitFor } from "./context.js";
export { decideRequest, type OperatorContext, type OperatorDecision } from "./decide.js";
export {
  type AbandonedDomain,
  accountsAtDomain,
  emailDomain,
  isAbandoned,
  listAbandoned,
  markAbandoned,
  normalizeDomain,
  unmarkAbandoned,
} from "./domains.js";
export { recoveryErrors } from "./errors.js";
export {
  browserClaim,
  HANDOVER_WINDOW,
  moveToThisBrowser,
  type RecoveryLinkView,
  readClaim,
  viewRecoveryLink,
} from "./handover.js";
export { coMaintainersOf } from "./people.js";
export type { ObservedProofs } from "./proofs.js";
export { confirmRecovery, requestRecovery } from "./start.js";
export { openRequestOfStopLink, stopWithCode } from "./stop.js";
export {
  getRequest,
  listRequests,
  OPEN_STATES,
  openRequestOf,
  openSummary,
  PROOF_LABELS,
  type Proof,
  type QueueEntry,
  type RecoveryRequest,
  type RecoveryState,
} from "./store.js";
export { requestForBrowser, submitProofs } from "./submit.js";
