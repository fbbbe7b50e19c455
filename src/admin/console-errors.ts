import { catalogue } from "../lib/errors.js";

/**
 * Refusals of the console's user, project, name and domain actions. A no-op (freezing a frozen account,
 * setting the limit a project already has) is refused rather than done again, so every row of the
 * audit log is a change someone can be asked about.
 */
export const consoleErrors = catalogue({
  ALREADY_FROZEN: { status: 409, message: "This account is already frozen." },
  NOT_FROZEN: { status: 409, message: "This account is not frozen." },
  NO_FACTORS: {
    status: 409,
    message: "This account has no second factor or recovery code: there is nothing to reset.",
  },
  NOTHING_TO_REVOKE: {
    status: 409,
    message: "This account has no open session, API token or remembered browser to revoke.",
  },
  ECOSYSTEM_INVALID: { status: 400, field: "ecosystem", message: "Choose PyPI, npm or RubyGems." },
  NAME_INVALID: { status: 400, field: "name", message: "Enter a valid project name." },
  LIMIT_INVALID: {
    status: 400,
    field: "limit_mb",
    message: "Enter a whole number of megabytes, or leave it empty for the registry default.",
  },
  LIMIT_UNCHANGED: { status: 409, field: "limit_mb", message: "The project already has this limit." },
  ALREADY_PROHIBITED: { status: 409, field: "name", message: "This name is already prohibited." },
  NOT_PROHIBITED: { status: 404, message: "This name is not prohibited." },
  ALREADY_LOOKALIKE_ALLOWED: {
    status: 409,
    field: "name",
    message: "This name is already allowed despite its look-alike.",
  },
  NOT_LOOKALIKE_ALLOWED: { status: 404, message: "This name is not allowed as a look-alike." },
  ALREADY_QUARANTINED: { status: 409, message: "This project is already quarantined." },
  NOT_QUARANTINED: { status: 409, message: "This project has no open quarantine." },
  NO_OPEN_REPORTS: { status: 409, message: "This project has no open malware report." },
  DOMAIN_ALREADY_ABANDONED: {
    status: 409,
    field: "domain",
    message: "This domain is already marked abandoned.",
  },
  DOMAIN_NOT_ABANDONED: { status: 404, message: "This domain is not marked abandoned." },
});
