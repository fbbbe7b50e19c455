import type { Generated } from "kysely";
import type { ChangeLogTable, ListingChangesTable } from "./schema-changes.js";
import type { HousekeepingReportsTable, MissingBlobsTable } from "./schema-housekeeping.js";
import type { MailCoalesceTable, NotifyOutboxTable } from "./schema-mail.js";
import type {
  CriticalityRulesTable,
  CriticalityToldTable,
  DependentCountsTable,
  DownloadMonthsTable,
  DownloadStatsTable,
  DownloadWeeksTable,
  GemVersionsLogTable,
  GiveawayCodesTable,
  JobLeasesTable,
  MandateNoticesTable,
  MandatesTable,
  PolicyMailTable,
  ProjectDependenciesTable,
  StatsCoverageTable,
  StatsImportDaysTable,
  StatsImportsTable,
  StatsNamesTable,
  StatsSourcesTable,
} from "./schema-policy.js";
import type {
  AbandonedEmailDomainsTable,
  AdminAuditTable,
  EmailDomainChecksTable,
  LookalikeAllowancesTable,
  MalwareReportsTable,
  MfaSnapshotsTable,
  ProhibitedNamesTable,
  QuarantineCasesTable,
  RecoveryRequestsTable,
} from "./schema-recovery.js";
import type { NpmScopeOwnersTable, NpmScopesTable, NpmStarsTable } from "./schema-scopes.js";
import type { StagedFilesTable, StagedReleasesTable } from "./schema-staging.js";
import type { OidcJtiUsedTable, PublishProvenanceTable, TrustedPublishersTable } from "./schema-trust.js";

/**
 * Table types for Kysely. Times are epoch milliseconds in BIGINT columns and booleans are 0/1 integers
 * so that SQLite and PostgreSQL behave identically (pg's int8 is parsed to number in db/index.ts).
 */
export interface UsersTable {
  id: string;
  username: string;
  /** NFKC + lower case: uniqueness is decided on this, so "Alice" and "ａｌｉｃｅ" collide. */
  username_canonical: string;
  email: string;
  email_canonical: string;
  email_verified_at: number | null;
  password_hash: string;
  password_changed_at: number;
  is_admin: number;
  is_frozen: number;
  created_at: number;
  mfa_enrolled_at: number | null;
  mfa_checkup_at: number | null;
  /** 004: 'auth-only' | 'auth-and-writes'; null = auth-and-writes once a factor is enrolled. */
  npm_tfa_mode: string | null;
  /** 004: a sealed TOTP enrollment started from the npm CLI, awaiting its first code. */
  totp_pending: string | null;
  /** 008: set when account recovery reset the factors: a new factor must be enrolled first. */
  mfa_required_at: number | null;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a database leak does not hand out live sessions. */
  id_hash: string;
  /** Short public handle shown on the sessions page and used to revoke. */
  public_id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  sudo_until: number | null;
  ip: string;
  user_agent: string;
  revoked_at: number | null;
  /** password | registration | totp | webauthn | passkey | recovery_code | remembered */
  auth_method: string;
  phishing_resistant: number;
}

export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface EventsTable {
  id: string;
  user_id: string | null;
  project_id: string | null;
  type: string;
  created_at: number;
  ip: string | null;
  user_agent: string | null;
  data: string;
}

export interface ProjectsTable {
  id: string;
  ecosystem: string;
  name: string;
  normalized_name: string;
  ultranormalized_name: string;
  created_at: number;
  upload_limit_bytes: number | null;
  serial: number;
  /** 039: bumped by triggers on every change to the project's releases or files (listing_changes). */
  listing_seq: Generated<number>;
  /** 005: set by the daily criticality job or an admin. */
  critical_since: number | null;
  critical_manual: Generated<number>;
  critical_reason: string | null;
  /** 024: set while the project is quarantined (hidden from installers, frozen for its owners). */
  quarantined_at: number | null;
  quarantine_reason: string | null;
  /**
   * 005: the owners' requirement of everyone who publishes: none | any | phishing-resistant. 014: the
   * only one (npm's access set mfa=... folded in); on npm, any level also asks an OTP on every write.
   */
  mfa_requirement: Generated<string>;
  /** 015: last change to the public document without a new release (npm `time.modified`). */
  modified_at: Generated<number | null>;
  /** 014: 1 = tokens marked bypass-2FA write without an OTP (npm mfa=automation); 0 = no exemption. */
  mfa_tokens_exempt: Generated<number>;
  /** 035: none | any | phishing-resistant: token publishes must be staged and approved (staging/). */
  stage_requirement: Generated<string>;
}

export interface RolesTable {
  project_id: string;
  user_id: string;
  role: string;
  created_at: number;
  /** 040: the project's normalized_name and ecosystem, filled by a trigger, for profile pages in order. */
  project_name: string | null;
  project_ecosystem: string | null;
}

export interface RoleInvitationsTable {
  id: string;
  project_id: string;
  user_id: string;
  role: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  closed_at: number | null;
}

export interface ReleasesTable {
  id: string;
  project_id: string;
  version: string;
  canonical_version: string;
  created_at: number;
  yanked_at: number | null;
  yanked_reason: string | null;
  requires_python: string | null;
  summary: string | null;
  description: string | null;
  description_content_type: string | null;
  /** Migration 010: the description rendered once (html | text | too-large | too-complex), NULL = not yet. */
  description_render: string | null;
  description_html: string | null;
  description_renderer: number | null;
  /** JSON: ecosystem-specific metadata (classifiers, requires_dist, project_urls, ...). */
  metadata: string;
  /** Migration 037: bumped by a trigger on every update of `metadata` (npm's per-version fragments). */
  metadata_rev: Generated<number>;
}

export interface FilesTable {
  id: string;
  project_id: string;
  release_id: string;
  filename: string;
  packagetype: string;
  python_version: string | null;
  requires_python: string | null;
  size: number;
  sha256: string;
  blake2b_256: string;
  md5: string;
  blob_key: string;
  metadata_sha256: string | null;
  metadata_blob_key: string | null;
  uploaded_at: number;
  uploaded_by: string | null;
}

export interface FilenameJournalTable {
  filename: string;
  project_id: string;
  created_at: number;
}

export interface DownloadCountsTable {
  project_id: string;
  /** Days since the Unix epoch (UTC). */
  day: number;
  count: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  lookup: string;
  token_hash: string;
  display_prefix: string;
  /** "account" or "projects" (the projects are in api_token_projects). */
  scope: string;
  /** "user" or "admin". */
  issued_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /** 004: 1 = reads only; authenticateToken refuses it unless the caller only reads. */
  readonly: Generated<number>;
  /** 004: JSON array of IPv4 CIDRs the token may be used from; null = anywhere. */
  cidr_whitelist: string | null;
  /** 004: 1 = npm writes skip the OTP prompt unless the package requires 2FA to publish. */
  bypass_2fa: Generated<number>;
  /** 004: JSON array of npm scopes ("@acme") whose existing packages the token also covers. */
  npm_scopes: string | null;
  /** 031: the trusted publisher whose OIDC exchange minted it (upload only, for one project). */
  publisher_id: string | null;
  /** 031: JSON of the OIDC claims that matter (trusted-publishing/provenance.ts ProvenanceClaims). */
  publisher_claims: string | null;
}

export interface ApiTokenProjectsTable {
  token_id: string;
  project_id: string;
}

export interface TotpCredentialsTable {
  user_id: string;
  secret_enc: string;
  last_step: number;
  created_at: number;
  last_used_at: number | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
  /** When the user typed one of this set's codes back on the codes page (migration 029). */
  confirmed_at: number | null;
}

export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backup_state: number;
  is_passkey: number;
  label: string;
  created_at: number;
  last_used_at: number | null;
}

export interface AuthChallengesTable {
  id: string;
  user_id: string | null;
  purpose: string;
  challenge: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface RememberedBrowsersTable {
  id: string;
  user_id: string;
  token_hash: string;
  user_agent: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface DistTagsTable {
  project_id: string;
  tag: string;
  version: string;
  updated_at: number;
}

export interface CliWebAuthTable {
  id: string;
  kind: string;
  user_id: string | null;
  done_hash: string;
  description: string;
  operation: string;
  ip: string;
  created_at: number;
  expires_at: number;
  confirmed_at: number | null;
  denied_at: number | null;
  result_enc: string | null;
  delivered_at: number | null;
  otp_hash: string | null;
  spent_at: number | null;
}

export interface Database {
  trusted_publishers: TrustedPublishersTable;
  publish_provenance: PublishProvenanceTable;
  oidc_jti_used: OidcJtiUsedTable;
  staged_releases: StagedReleasesTable;
  staged_files: StagedFilesTable;
  missing_blobs: MissingBlobsTable;
  housekeeping_reports: HousekeepingReportsTable;
  npm_scopes: NpmScopesTable;
  npm_scope_owners: NpmScopeOwnersTable;
  npm_stars: NpmStarsTable;
  mail_coalesce: MailCoalesceTable;
  notify_outbox: NotifyOutboxTable;
  recovery_requests: RecoveryRequestsTable;
  abandoned_email_domains: AbandonedEmailDomainsTable;
  email_domain_checks: EmailDomainChecksTable;
  prohibited_names: ProhibitedNamesTable;
  lookalike_allowances: LookalikeAllowancesTable;
  quarantine_cases: QuarantineCasesTable;
  malware_reports: MalwareReportsTable;
  admin_audit: AdminAuditTable;
  mfa_snapshots: MfaSnapshotsTable;
  policy_mail: PolicyMailTable;
  stats_names: StatsNamesTable;
  stats_sources: StatsSourcesTable;
  download_stats: DownloadStatsTable;
  download_weeks: DownloadWeeksTable;
  download_months: DownloadMonthsTable;
  stats_coverage: StatsCoverageTable;
  stats_imports: StatsImportsTable;
  stats_import_days: StatsImportDaysTable;
  giveaway_codes: GiveawayCodesTable;
  criticality_rules: CriticalityRulesTable;
  project_dependencies: ProjectDependenciesTable;
  dependent_counts: DependentCountsTable;
  mandates: MandatesTable;
  mandate_notices: MandateNoticesTable;
  criticality_told: CriticalityToldTable;
  gem_versions_log: GemVersionsLogTable;
  change_log: ChangeLogTable;
  job_leases: JobLeasesTable;
  dist_tags: DistTagsTable;
  cli_web_auth: CliWebAuthTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  auth_challenges: AuthChallengesTable;
  remembered_browsers: RememberedBrowsersTable;
  projects: ProjectsTable;
  roles: RolesTable;
  role_invitations: RoleInvitationsTable;
  releases: ReleasesTable;
  files: FilesTable;
  /** 039: which release each listing change touched, numbered per project (packages/listing.ts). */
  listing_changes: ListingChangesTable;
  filename_journal: FilenameJournalTable;
  download_counts: DownloadCountsTable;
  api_tokens: ApiTokensTable;
  api_token_projects: ApiTokenProjectsTable;
  users: UsersTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
  events: EventsTable;
  wharf_migrations: { name: string; applied_at: number };
}
