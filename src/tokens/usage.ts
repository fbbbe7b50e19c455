import type { Db } from "../db/index.js";
import type { VerifiedTokens } from "./cache.js";

/**
 * "Last used" without a database write per request: uses are noted in memory and written in one batch
 * every `intervalMs` (and at shutdown). Each instance flushes its own; the UPDATE only moves the time
 * forward, so instances cannot overwrite a newer value with an older one.
 */
export class TokenUsage {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  /**
   * The token path's other per-instance state: `verified`, tokens verified moments ago (cache.ts).
   * Uses are noted on a cache hit too, so "last used" stays right while the database is not asked.
   */
  constructor(
    private readonly db: Db,
    readonly verified?: VerifiedTokens,
  ) {}

  touch(tokenId: string, now: number): void {
    this.pending.set(tokenId, Math.max(now, this.pending.get(tokenId) ?? 0));
  }

  start(intervalMs = 60_000): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const [id, at] of batch) {
      await this.db
        .updateTable("api_tokens")
        .set({ last_used_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
        .execute();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
