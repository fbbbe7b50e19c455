import type { ChangeFeed, ProvenanceClaims, TokenChange } from "../packages/index.js";

/** What a database read established about a live token; what each request still checks is kept raw. */
export interface VerifiedToken {
  tokenId: string;
  userId: string;
  expiresAt: number | null;
  /** The CIDR allow-list as stored (JSON) or null: checked against each request's address. */
  cidrs: string | null;
  readonly: boolean;
  bypass2fa: boolean;
  scope: "account" | "projects";
  /** Projects named when the token was made (api_token_projects). */
  projectIds: string[];
  /**
   * npm scopes as stored (JSON) or null. The packages in them are resolved on every request, never
   * cached: a package published into the scope a second ago is covered at once.
   */
  npmScopes: string | null;
  /** A trusted publisher's short-lived token (migration 031): publish only, with the claims it carries. */
  publisher?: {
    id: string;
    label: string;
    claims: ProvenanceClaims;
    /** Project id → the publisher of that project the token was minted for (several: a monorepo). */
    byProject: Record<string, string>;
  };
}

export const DEFAULT_TOKEN_CACHE_MS = 15_000;
const MAX_ENTRIES = 10_000;

/**
 * Tokens verified recently, in memory, keyed by sha256 of the presented token (issue 15 item 8: a
 * token-authenticated request cost 4–5× an anonymous one, three queries per request). A hit skips the
 * database; expiry, the address allow-list and read-only are still checked per request by the caller.
 *
 * Revocation: whatever revokes a token (or freezes an account, or revokes all its tokens) publishes it
 * on the ChangeFeed after commit; every instance drops the entry — at once here, within milliseconds
 * elsewhere over Redis, within the one-second poll of `change_log` without Redis. An entry lives
 * `ttlMs` at most, so even a lost message (Redis down while publishing) is bounded by the TTL.
 *
 * The generation guard (as in http/render-cache.ts): a database read that was in flight when any token
 * change arrived is used for its own request but never kept, since it may have read the row before the
 * revocation committed, and keeping it would let the revoked token work for a whole TTL.
 *
 * Bounded: a Map in insertion order is the LRU (a hit moves its entry to the end); past MAX_ENTRIES the
 * oldest goes.
 */
export class VerifiedTokens {
  private entries = new Map<string, { token: VerifiedToken; until: number }>();
  private gen = 0;

  constructor(
    changes: ChangeFeed | undefined,
    private readonly ttlMs: number = DEFAULT_TOKEN_CACHE_MS,
    private readonly maxEntries: number = MAX_ENTRIES,
  ) {
    changes?.subscribeTokens((c) => this.forget(c));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Take before reading the database; hand to put() with what was read. */
  generation(): number {
    return this.gen;
  }

  get(hash: string, now: number): VerifiedToken | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    this.entries.delete(hash);
    // Past the cache's own limit or the token's expiry: the database answers (and says why).
    if (e.until <= now || (e.token.expiresAt !== null && e.token.expiresAt <= now)) return undefined;
    this.entries.set(hash, e);
    return e.token;
  }

  put(hash: string, token: VerifiedToken, now: number, readAtGeneration: number): void {
    if (this.ttlMs <= 0 || readAtGeneration !== this.gen) return;
    this.entries.delete(hash);
    this.entries.set(hash, { token, until: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  forget(change: TokenChange): void {
    this.gen++;
    if (change === "*") {
      this.entries.clear();
      return;
    }
    // Revocations are rare next to reads: a scan of at most MAX_ENTRIES beats a second index to maintain.
    for (const [hash, e] of this.entries) {
      if ("tokenId" in change ? e.token.tokenId === change.tokenId : e.token.userId === change.userId)
        this.entries.delete(hash);
    }
  }
}
