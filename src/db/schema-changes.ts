import type { Generated } from "kysely";
/**
 * Table types of the change logs: what changed in a project, for other instances (030) and for
 * incremental listings (039). Split from schema.ts to keep each file readable; db/schema.ts assembles
 * the Database type.
 */

/** 030: project changes for instances without Redis (packages/changes.ts). */
export interface ChangeLogTable {
  seq: Generated<number>;
  project_id: string;
  /** The instance that wrote it (it already told its own caches). */
  origin: string;
  changed_at: number;
}

/** 039: each change to a project's releases or files, numbered per project (packages/listing.ts). */
export interface ListingChangesTable {
  project_id: string;
  seq: number;
  release_id: string;
}
