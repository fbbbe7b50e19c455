/** Malware reports from users (issue 18 item 3): filed on project pages or the JSON API, closed by operators. */
export { reportErrors } from "./errors.js";
export {
  CATEGORY_LABEL,
  closeReports,
  DESCRIPTION_MAX,
  DESCRIPTION_MIN,
  fileReport,
  findReportedProject,
  listOpenReports,
  type NewReport,
  type OpenReport,
  REPORT_CATEGORIES,
  type ReportCategory,
  type Reporter,
  type ReportOutcome,
} from "./reports.js";
