/**
 * Critical projects: the top of the download ranking (a rule per ecosystem: top N % or top K, over a
 * window), plus operators' manual designations; the daily job that recomputes them and mails the
 * maintainers (the rollout simulation over these rules is mandates/simulate.ts).
 */
export {
  type ComputeReport,
  type CriticalityDeps,
  computeCriticality,
  maintainersOf,
  previewRun,
  type RunPreview,
  usersById,
} from "./compute.js";
export {
  CRITICALITY_LEASE,
  type JobRun,
  runCriticalityJob,
  startCriticalityJob,
} from "./job.js";
export { designateCritical, type ManualInput, type ManualResult, removeCritical } from "./manual.js";
export { type CriticalityPlan, type HostedProject, MANUAL, planCriticality, type Reason } from "./plan.js";
export { deliverPolicyMail } from "./queue.js";
export {
  type CriticalityRule,
  type DependentsClause,
  defaultRule,
  dependentsClauseSchema,
  describeDependents,
  describeDownloads,
  describeRule,
  getRule,
  parseCount,
  parsePercent,
  parseWindow,
  type RuleMode,
  ruleSchema,
  setRule,
} from "./rules.js";
export { designationsToTell, FLAP_QUIET, type Tell } from "./told.js";
