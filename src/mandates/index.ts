/**
 * MFA mandates: an operator's "this cohort must use this factor strength", rolled out in phases
 * (notice → warn → enforce), the cohorts they cover, the banners and mail that announce them, and the
 * job that sends the notices. The decision that enforces them is authz/.
 */

export { BANNER_LABELS, type BannerPhase, bannerText, daysUntil, longDate } from "./banner-text.js";
export { type PolicyProject, policyProject, projectInCohort } from "./cohorts.js";
export { mandateErrors } from "./errors.js";
export {
  type MandateMailKind,
  type MandateShape,
  mandateAudience,
  phaseMail,
  type Recipient,
  replayWarnMails,
  WARN_MAIL_EVERY,
  warnMailDue,
} from "./mail-plan.js";
export { startNoticeJob } from "./notice-job.js";
export {
  type Banner,
  bannersFor,
  remindAfterUpload,
  sendMandateNotices,
} from "./notices.js";
export {
  draftInput,
  type PhaseMail,
  type RuleSimulation,
  SIMULATION_PHASES,
  type SimulationInput,
  type SimulationPhase,
  type SimulationResult,
  simulate,
  simulationInput,
} from "./simulate.js";
export {
  activeMandates,
  archiveMandate,
  auditedSettings,
  type Cohort,
  createMandate,
  getMandate,
  type Mandate,
  type MandateInput,
  type Phase,
  phaseOf,
  updateMandate,
} from "./store.js";
