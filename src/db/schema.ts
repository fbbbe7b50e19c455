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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
  events: EventsTable;
  kysely_migration: { name: string; timestamp: string };
}
