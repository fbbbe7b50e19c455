import type { Generated } from "kysely";

/** Table types of mail (migrations 013 and 017); db/schema.ts assembles the Database type. */
export interface MailCoalesceTable {
  user_id: string;
  /** Which security mail, e.g. "mfa.totp_replay". */
  kind: string;
  /** When the last mail of this kind went to this account (ms). */
  sent_at: number;
}

/** A queued notification (migration 017, src/notify/outbox.ts). */
export interface NotifyOutboxTable {
  id: string;
  to_addr: string;
  /** Registry name of the template, e.g. "mfa.keyAdded". */
  template: string;
  /** The template's vars, JSON. */
  vars: string;
  created_at: number;
  attempts: Generated<number>;
  /** Not sent before this (ms): backoff after a failed attempt. */
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
  last_error: string | null;
  /** Set when the attempts ran out or the template is unknown; the row is then kept, never sent. */
  gave_up_at: number | null;
}
