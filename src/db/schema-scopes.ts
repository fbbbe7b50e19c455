/** Table types of explicit npm scope ownership (migration 009); db/schema.ts assembles the Database type. */
export interface NpmScopesTable {
  /** Without the '@', lower case. */
  name: string;
  created_at: number;
  /** Who claimed it by publishing first; null for scopes backfilled from existing packages. */
  created_by: string | null;
}

export interface NpmScopeOwnersTable {
  scope: string;
  user_id: string;
  added_at: number;
  added_by: string | null;
}

/** Migration 015: `npm star` (who starred which npm package). */
export interface NpmStarsTable {
  user_id: string;
  project_id: string;
  created_at: number;
}
