/**
 * Download statistics: imported from CDN/proxy logs and CSV exports, kept per project and day inside a
 * retention window, rolled up, and summed over windows for criticality (src/criticality/).
 */
export {
  type ImportOptions,
  type ImportReport,
  importStats,
  type StatsDeps,
  StatsImportError,
} from "./import.js";
export { type ImportRecord, listImports } from "./ledger.js";
export { normalizeProjectName, type StatsFormat } from "./parse.js";
export { type RollupReport, rollupStats } from "./rollup.js";
export {
  DEFAULT_WINDOW_DAYS,
  isoDay,
  lockStats,
  longestWindow,
  RETENTION_MARGIN_DAYS,
  retentionCutoff,
  STATS_ECOSYSTEMS,
  type StatsEcosystem,
} from "./store.js";
export { ecosystemTotals, projectDownloads, type WindowTotals } from "./window.js";
