/**
 * Housekeeping (issue 13 item 11): the blob store reconciled with the file rows both ways
 * (packages/reconcile.ts does the comparison), spent records purged in bounded batches, and the last
 * report of each for the operator.
 */
export { purgeAndReport, reconcileAndReport, reconcileSummary, startHousekeepingJobs } from "./jobs.js";
export { type PurgeOptions, type PurgeReport, purgeSpent } from "./purge.js";
export { lastReport, type ReportName, saveReport } from "./reports.js";
