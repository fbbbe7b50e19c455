import type { Generated } from "kysely";
/**
 * Table types of account recovery and the operator console (migration 008). Split from schema.ts to
 * keep each file readable; db/schema.ts assembles the Database type.
 */
export interface RecoveryRequestsTable {
  id: string;
  user_id: string;
  /** proofs | waiting | queued | completed | cancelled | denied | expired */
  state: string;
  /** The verified address the confirmation link went to. */
  email: string;
  created_at: number;
  submitted_at: number | null;
  wait_until: number | null;
  /** JSON list of machine-checked proofs (src/recovery/proofs.ts). */
  proofs: string;
  critical: number;
  /** The admin who approved a request without machine proofs (it then waits like the others). */
  approved_by: string | null;
  decided_at: number | null;
  /** A user id, or "owner" / "system" / "email-link". */
  decided_by: string | null;
  decision_reason: string | null;
  requester_ip: string;
  requester_ua: string;
  /** 023: the confirmation link (email_tokens.id) that created the request. */
  link_id: string | null;
  /** 023: the value the recovery cookie of the browser finishing the request must carry. */
  browser_binding: string | null;
  /** 023: when the request was moved to another browser (once at most). */
  moved_at: number | null;
}

export interface AbandonedEmailDomainsTable {
  domain: string;
  reason: string;
  marked_by: string;
  created_at: number;
}

/** 019: the periodic DNS check of email domains (admin/domain-check.ts). */
export interface EmailDomainChecksTable {
  domain: string;
  /** Verified accounts with an address at exactly this domain, at the last sync. */
  accounts: number;
  next_check_at: number;
  checked_at: number | null;
  /** accepts | nxdomain | no_records | null_mx | unknown */
  result: string | null;
  detail: Generated<string>;
  /** Consecutive checks, at least a day apart, that found no mail host. */
  failures: Generated<number>;
  failing_since: number | null;
  last_failure_at: number | null;
  /** First of the current run of checks that got no answer (no evidence either way). */
  unknown_since: number | null;
  flagged_at: number | null;
  reported_at: number | null;
  resolves_again_at: number | null;
}

export interface ProhibitedNamesTable {
  ecosystem: string;
  normalized_name: string;
  reason: string;
  created_by: string;
  created_at: number;
}

/** An operator's override of the look-alike rule for one exact name (migration 018). */
export interface LookalikeAllowancesTable {
  ecosystem: string;
  normalized_name: string;
  reason: string;
  created_by: string;
  created_at: number;
}

/** 024: why a project entered quarantine, and how the operator closed it. */
export interface QuarantineCasesTable {
  id: string;
  project_id: string;
  /** typosquat (held at creation) | manual (an operator's action) */
  kind: string;
  similar_to: string | null;
  reason: string;
  opened_by: string;
  opened_at: number;
  /** open | released | rejected */
  state: Generated<string>;
  closed_by: string | null;
  closed_at: number | null;
  close_reason: string | null;
}

/** 025: a signed-in user's malware report on a project, until an operator's action on it closes it. */
export interface MalwareReportsTable {
  id: string;
  project_id: string;
  reporter_id: string;
  /** malware | typosquatting | dependency-confusion | spam | other */
  category: string;
  description: string;
  created_at: number;
  /** open | closed */
  state: Generated<string>;
  /** quarantined | released | rejected | dismissed */
  outcome: string | null;
  closed_by: string | null;
  closed_at: number | null;
  close_reason: string | null;
}

/** Append-only (database triggers refuse UPDATE and DELETE). */
export interface AdminAuditTable {
  id: string;
  created_at: number;
  actor_id: string;
  actor_name: string;
  action: string;
  target_type: string;
  target: string;
  reason: string;
  data: string;
  ip: string;
}

export interface MfaSnapshotsTable {
  /** Start of the UTC day, epoch ms. */
  day: number;
  /** "all" | "critical" | "mandate:<id>" */
  cohort: string;
  total: number;
  any_mfa: number;
  phishing_resistant: number;
}
