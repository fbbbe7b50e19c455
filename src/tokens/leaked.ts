import { type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { safeEqual, sha256Hex } from "../lib/crypto.js";
import * as mails from "../notify/templates/tokens.js";
import { tokenLookup } from "./format.js";

type LeakDeps = Pick<Deps, "db" | "clock" | "mailer" | "log" | "changes"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

/** One match of a secret scanner (GitHub's partner-program fields), or an operator's report. */
export interface LeakReport {
  token: string;
  type?: string;
  /** Where it was found (public URL; may be empty). */
  url?: string;
  /** What kind of place (GitHub: content, commit, issue_comment, npm, ...). */
  source?: string;
}

/**
 * `revoked`: a live Wharf token, revoked now; `known`: a Wharf token already revoked (a replayed or
 * repeated report changes nothing); `unknown`: not a Wharf token at all.
 */
export type LeakOutcome =
  | { kind: "revoked"; tokenId: string; name: string; username: string | null }
  | { kind: "known"; tokenId: string; name: string; username: string | null }
  | { kind: "unknown" };

/** Who reported it: "GitHub secret scanning", or the operator at the shell (cli:user@host). */
export interface LeakReporter {
  by: string;
  ctx: EventContext;
  /** Rows that must commit with the revocation or not at all (the CLI's audit entry). */
  alsoInTransaction?: (tx: Tx, revoked: { tokenId: string; username: string | null }) => Promise<void>;
}

// What is kept of the report's free text: enough to find the leak, bounded like every stored string.
const clip = (s: string | undefined, n: number) => (s ?? "").trim().slice(0, n);

/**
 * The one path for a leaked token, from GitHub's report endpoint and `wharf token revoke --leaked`:
 * a live token is revoked, the leak's place (url, source) goes into the owner's security history, and
 * the owner is mailed — all in one transaction; after commit every instance drops the token from its
 * cache of verified tokens. Anything leaked is treated as compromised (GitHub's advice), expired or not.
 *
 * Revocation is a compare-and-swap on `revoked_at`: two reports of the same token racing (GitHub
 * retries, two instances) revoke it once and mail once; the loser reports `known`.
 */
export async function revokeLeakedToken(
  deps: LeakDeps,
  report: LeakReport,
  reporter: LeakReporter,
): Promise<LeakOutcome> {
  const token = report.token.trim();
  const lookup = tokenLookup(token);
  if (!lookup) return { kind: "unknown" };
  const now = deps.clock.now();
  const outcome = await transaction(deps.db, async (tx): Promise<LeakOutcome> => {
    const row = await tx
      .selectFrom("api_tokens")
      .leftJoin("users", "users.id", "api_tokens.user_id")
      .select([
        "api_tokens.id",
        "api_tokens.name",
        "api_tokens.token_hash",
        "api_tokens.revoked_at",
        "users.id as userId",
        "users.username",
        "users.email",
      ])
      .where("api_tokens.lookup", "=", lookup)
      .executeTakeFirst();
    if (!row || !safeEqual(sha256Hex(token), row.token_hash)) return { kind: "unknown" };
    const found = { tokenId: row.id, name: row.name, username: row.username };
    if (row.revoked_at !== null) return { kind: "known", ...found };
    const r = await tx
      .updateTable("api_tokens")
      .set({ revoked_at: now })
      .where("id", "=", row.id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return { kind: "known", ...found };
    const where = { url: clip(report.url, 2000), source: clip(report.source, 50) };
    await recordEvent(tx, now, reporter.ctx, {
      type: "token.leaked",
      userId: row.userId,
      data: { name: row.name, tokenId: row.id, ...where, reportedBy: reporter.by },
      notify:
        row.email && row.username
          ? {
              to: row.email,
              template: mails.tokenLeaked,
              vars: { username: row.username, name: row.name, ...where, by: reporter.by },
            }
          : undefined,
    });
    await reporter.alsoInTransaction?.(tx, { tokenId: row.id, username: row.username });
    return { kind: "revoked", ...found };
  });
  if (outcome.kind === "revoked") await deps.changes.publishToken({ tokenId: outcome.tokenId });
  return outcome;
}
