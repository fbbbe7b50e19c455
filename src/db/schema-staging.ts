/** Table types of staged releases (migration 034; staging/); db/schema.ts assembles the Database type. */
export interface StagedReleasesTable {
  id: string;
  project_id: string;
  ecosystem: string;
  version: string;
  canonical_version: string;
  /** npm: the dist-tag the approval points at the version. */
  tag: string | null;
  /** The release fields (packages.NewRelease without projectId) as the publish will write them. */
  release_json: string;
  actor_id: string;
  /** token | trusted-publisher | session */
  actor_type: string;
  token_id: string | null;
  created_at: number;
  expires_at: number;
  /** staged | approved | rejected | expired */
  state: string;
  /** 1: only a WebAuthn approval counts (the policy that staged it said phishing-resistant). */
  phishing_resistant: number;
  decided_by: string | null;
  decided_at: number | null;
  /** totp | recovery | webauthn, for an approval or rejection by a person. */
  decided_factor: string | null;
}

export interface StagedFilesTable {
  id: string;
  staged_release_id: string;
  filename: string;
  /** packages.FileRecord fields the publish writes (packagetype, digests, ...). */
  file_json: string;
  blob_key: string;
  metadata_blob_key: string | null;
  size: number;
  sha256: string;
  created_at: number;
}
