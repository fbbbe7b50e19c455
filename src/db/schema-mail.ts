/** Table types of mail coalescing (migration 013); db/schema.ts assembles the Database type. */
export interface MailCoalesceTable {
  user_id: string;
  /** Which security mail, e.g. "mfa.totp_replay". */
  kind: string;
  /** When the last mail of this kind went to this account (ms). */
  sent_at: number;
}
