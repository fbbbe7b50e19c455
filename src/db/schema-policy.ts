import type { Generated } from "kysely";

/**
 * Table types of the policy feature: criticality rules, mandates and their notices, job leases, the
 * security-key giveaway, download statistics (migrations 005-007). Split from schema.ts to keep each
 * file readable; db/schema.ts assembles the Database type.
 */
export interface CriticalityRulesTable {
  ecosystem: string;
  mode: string;
  value: number;
  window_days: number;
  sticky: number;
  updated_at: number;
  /** 026: 1 = the download clause (mode, value, window_days) applies; 0 = by dependents only. */
  downloads: Generated<number>;
  /** 026: the dependents clause (top-percent | top-k | threshold), or NULL for none. */
  dependents_mode: string | null;
  dependents_value: number | null;
}

/** 026: the direct dependencies of each project's latest release (the edges). */
export interface ProjectDependenciesTable {
  project_id: string;
  ecosystem: string;
  dependency: string;
}

/** 026: reverse-dependency counts per name; transitive only after a --transitive recompute. */
export interface DependentCountsTable {
  ecosystem: string;
  name: string;
  direct: number;
  transitive: number | null;
}

export interface MandatesTable {
  id: string;
  name: string;
  ecosystem: string | null;
  cohort: string;
  cohort_value: string | null;
  window_days: number;
  strength: string;
  notice_at: number;
  warn_at: number;
  enforce_at: number;
  created_at: number;
  created_by: string;
  archived_at: number | null;
  /** 035: none | any | phishing-resistant: token publishes in the cohort must be staged. */
  stage_requirement: Generated<string>;
}

export interface MandateNoticesTable {
  mandate_id: string;
  user_id: string;
  kind: string;
  sent_at: number;
}

/** The designation each maintainer was last mailed about, per project (020; criticality/told.ts). */
export interface CriticalityToldTable {
  user_id: string;
  project_id: string;
  critical: number;
  told_at: number;
}

/** The compact index's `versions` lines, append-only, numbered per gem (027; protocols/rubygems). */
export interface GemVersionsLogTable {
  seq: number;
  project_id: string;
  n: number;
  line: string;
  logged_at: number;
}

export interface JobLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface GiveawayCodesTable {
  id: string;
  /** 011: HMAC of the code (giveaway/secrets.ts); the code itself is only in `code_sealed`. */
  code_hash: string;
  code_sealed: string;
  code_hint: string;
  batch: string;
  loaded_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
}

/** 006: download statistics (src/stats/). A name's id is shared by its rows in every table. */
export interface StatsNamesTable {
  id: Generated<number>;
  ecosystem: string;
  /** PEP 503 normalized (PyPI) or lower-case (npm): the same key as projects.normalized_name. */
  name: string;
}

export interface StatsSourcesTable {
  id: Generated<number>;
  name: string;
}

export interface DownloadStatsTable {
  ecosystem: string;
  /** Days since the Unix epoch (UTC). */
  day: number;
  name_id: number;
  source_id: number;
  count: number;
}

export interface DownloadWeeksTable {
  ecosystem: string;
  name_id: number;
  /** floor(day / 7). */
  week: number;
  count: number;
}

export interface DownloadMonthsTable {
  ecosystem: string;
  name_id: number;
  /** (year - 1970) * 12 + month (0-11), UTC. */
  month: number;
  count: number;
}

export interface StatsCoverageTable {
  ecosystem: string;
  day: number;
  source_id: number;
}

export interface StatsImportsTable {
  id: string;
  source_id: number;
  sha256: string;
  scope: string;
  format: string;
  file_name: string;
  imported_at: number;
  rows: Generated<number>;
  downloads: Generated<number>;
  first_day: number | null;
  last_day: number | null;
  /** 021: bytes of the file as given (compressed or not); null for imports before 021. */
  file_size: number | null;
  /** 021: days before this one were folded into monthly totals; null before 021 (they were dropped). */
  cutoff_day: number | null;
  folded_rows: Generated<number>;
  folded_downloads: Generated<number>;
  folded_months: Generated<number>;
  /** 021: 1 when imported with --force over an earlier import of the same content. */
  forced: Generated<number>;
}

/** 021: what a log import added per (ecosystem, day, name), for a forced re-import (stats/). */
export interface StatsImportDaysTable {
  import_id: string;
  ecosystem: string;
  day: number;
  name_id: number;
  count: number;
}

/** 006: criticality notifications waiting to be sent (criticality/queue.ts). */
export interface PolicyMailTable {
  id: string;
  to_addr: string;
  subject: string;
  body: string;
  created_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
  attempts: Generated<number>;
}
