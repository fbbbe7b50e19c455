/** Table types of housekeeping (migration 022); db/schema.ts assembles the Database type. */

/** A file row whose blob the last reconcile did not find in the store (never deleted automatically). */
export interface MissingBlobsTable {
  blob_key: string;
  file_id: string;
  project_id: string;
  filename: string;
  first_seen_at: number;
  last_seen_at: number;
}

/** The last report of a housekeeping job ("reconcile", "purge"), JSON in `summary`. */
export interface HousekeepingReportsTable {
  name: string;
  started_at: number;
  finished_at: number;
  summary: string;
}
