import { type RawBuilder, sql } from "kysely";
import type { Database } from "../db/index.js";
import type { Deps } from "../deps.js";
import { DAY } from "../lib/clock.js";

type PurgeDeps = Pick<Deps, "db" | "clock">;

export interface PurgeOptions {
  /** Rows per DELETE statement: each statement holds its locks briefly. */
  batchSize?: number;
  /** Statements per table per run: a backlog is worked off over several runs, never in one long run. */
  maxBatches?: number;
  /**
   * How long a spent record is kept past its expiry: a link clicked a day late still says "expired"
   * rather than "invalid", and a support question about yesterday's session can still be answered.
   */
  retainMs?: number;
}

export interface PurgeReport {
  startedAt: number;
  finishedAt: number;
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** Tables that still had rows to delete when their batch cap was reached. */
  backlog: string[];
}

type Spent = {
  table: keyof Database;
  key: string;
  /** The rows that are spent at `cutoff` (expiry + retention in the past). */
  where: (cutoff: number) => RawBuilder<boolean>;
};

/*
 * What is purged, and why it is safe. Every single-use record here is refused once expired whatever its
 * other columns say, so deleting it changes at most the wording of the refusal (a deleted email link is
 * "invalid" instead of "expired"); used but unexpired ones are kept, because their used_at is what
 * refuses a replay. Security history is NOT here: events and admin_audit are append-only and kept, and
 * finished recovery requests are the operator's record of who took over which account (their email
 * links are email_tokens, purged like every link). Sudo windows live on the session row and go with it;
 * TOTP keeps one last-used step per credential, which does not grow.
 */
const SPENT: Spent[] = [
  // Verification, password reset, email change and recovery links.
  { table: "email_tokens", key: "id", where: (c) => sql<boolean>`expires_at < ${c}` },
  // A revoked session cannot come back (the cookie's hash is looked up with revoked_at is null).
  {
    table: "sessions",
    key: "id_hash",
    where: (c) => sql<boolean>`(expires_at < ${c} or revoked_at < ${c})`,
  },
  // WebAuthn and second-step challenges, spent or not.
  { table: "auth_challenges", key: "id", where: (c) => sql<boolean>`expires_at < ${c}` },
  {
    table: "remembered_browsers",
    key: "id",
    where: (c) => sql<boolean>`(expires_at < ${c} or revoked_at < ${c})`,
  },
  // npm's web login and its OTP: pending ones expire, finished ones were delivered.
  { table: "cli_web_auth", key: "id", where: (c) => sql<boolean>`expires_at < ${c}` },
  // Spent OIDC token ids (trusted publishing): an expired OIDC token is refused by its exp anyway.
  { table: "oidc_jti_used", key: "jti", where: (c) => sql<boolean>`expires_at < ${c}` },
];

/**
 * Deletes expired and spent records in bounded batches: `DELETE ... WHERE key IN (SELECT key ... LIMIT n)`
 * (the same statement on SQLite and PostgreSQL; both walk the expiry index from migration 022).
 */
export async function purgeSpent(deps: PurgeDeps, opts: PurgeOptions = {}): Promise<PurgeReport> {
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? 20;
  const startedAt = deps.clock.now();
  const cutoff = startedAt - (opts.retainMs ?? DAY);
  const report: PurgeReport = { startedAt, finishedAt: startedAt, deleted: {}, backlog: [] };
  for (const spent of SPENT) {
    let total = 0;
    let batches = 0;
    for (;;) {
      const n = await deleteBatch(deps, spent, cutoff, batchSize);
      total += n;
      batches++;
      if (n < batchSize) break;
      if (batches >= maxBatches) {
        report.backlog.push(spent.table);
        break;
      }
    }
    report.deleted[spent.table] = total;
  }
  report.finishedAt = deps.clock.now();
  return report;
}

async function deleteBatch(
  deps: PurgeDeps,
  spent: Spent,
  cutoff: number,
  batchSize: number,
): Promise<number> {
  const { table, key } = spent;
  // The predicate is repeated outside: a key that is not the whole primary key (oidc_jti_used's jti)
  // must not take a live row of another issuer with it.
  const r = await sql`delete from ${sql.table(table)} where ${sql.ref(key)} in (
      select ${sql.ref(key)} from ${sql.table(table)} where ${spent.where(cutoff)} limit ${batchSize})
      and ${spent.where(cutoff)}`.execute(deps.db);
  return Number(r.numAffectedRows ?? 0n);
}
