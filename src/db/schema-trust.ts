/** Table types of trusted publishing (migrations 031, 032); db/schema.ts assembles the Database type. */
export interface TrustedPublishersTable {
  id: string;
  /** null: a pending publisher (the project does not exist yet). */
  project_id: string | null;
  ecosystem: string;
  pending_project_name: string | null;
  pending_normalized_name: string | null;
  /** github | gitlab */
  provider: string;
  issuer: string;
  /** GitHub "owner/repo"; GitLab "namespace/…/project" (project_path). */
  repository: string;
  repository_id: string | null;
  /** GitHub repository_owner; GitLab namespace_path. */
  repository_owner: string;
  repository_owner_id: string | null;
  /** GitHub workflow file name ("release.yml"); GitLab CI config path (".gitlab-ci.yml"). */
  workflow: string;
  environment: string | null;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
}

export interface PublishProvenanceTable {
  id: string;
  project_id: string;
  release_id: string;
  /** PyPI: the file; npm: null (the version is the unit). */
  file_id: string | null;
  publisher_id: string;
  provider: string;
  issuer: string;
  /** JSON of the claims that matter (see trusted-publishing/provenance.ts). */
  claims: string;
  created_at: number;
}

export interface OidcJtiUsedTable {
  issuer: string;
  jti: string;
  expires_at: number;
}
