/*
 * Public surface of download statistics, criticality and simulation (re-exported by policy/index.ts).
 */
export { registerPolicyApi } from "./api.js";
export { type ComputeReport, type CriticalityDeps, computeCriticality } from "./criticality.js";
export {
  designateCritical,
  type ManualInput,
  type ManualResult,
  removeCritical,
} from "./criticality-manual.js";
export { type CriticalityPlan, type HostedProject, MANUAL, planCriticality } from "./criticality-plan.js";
export { deliverPolicyMail } from "./criticality-queue.js";
export {
  type CriticalityRule,
  defaultRule,
  describeRule,
  getRule,
  parseCount,
  parsePercent,
  parseWindow,
  type RuleMode,
  ruleSchema,
  setRule,
} from "./criticality-rules.js";
export {
  acquireLease,
  CRITICALITY_LEASE,
  instanceId,
  type JobRun,
  releaseLease,
  repeatEvery,
  runCriticalityJob,
  startCriticalityJob,
  withLease,
} from "./jobs.js";
export {
  SIMULATION_PHASES,
  type SimulationInput,
  type SimulationPhase,
  type SimulationResult,
  simulate,
  simulationInput,
} from "./simulate.js";
export {
  type ImportOptions,
  type ImportReport,
  importStats,
  type StatsDeps,
  StatsImportError,
} from "./stats-import.js";
export type { StatsFormat } from "./stats-parse.js";
export { type RollupReport, rollupStats } from "./stats-rollup.js";
export {
  longestWindow,
  RETENTION_MARGIN_DAYS,
  retentionCutoff,
  STATS_ECOSYSTEMS,
  type StatsEcosystem,
} from "./stats-store.js";
export { ecosystemTotals, projectDownloads, type WindowTotals } from "./stats-window.js";
