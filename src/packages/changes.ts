import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Db } from "../db/index.js";

type Listener = (projectId: string) => void;

/**
 * A token was revoked, or every token of an account stopped working (frozen, credentials revoked,
 * recovered): instances drop what they cached about it (tokens/cache.ts). "*": anything may have been
 * missed (a dropped Redis subscription), drop everything.
 */
export type TokenChange = { tokenId: string } | { userId: string } | "*";
type TokenListener = (change: TokenChange) => void;

/*
 * On the wire (the Redis channel, change_log.project_id) a token change is "token:<id>" or "user:<id>".
 * Project ids are hex (lib/ids.ts), so neither prefix can be mistaken for one.
 */
const TOKEN_PREFIX = "token:";
const USER_PREFIX = "user:";

/** How often an instance without Redis reads the change log (a quarantine reaches it within this). */
const POLL_MS = 1_000;
/** Sequence numbers behind the newest read that are read again (see poll()). */
const LOOKBACK = 64;
const KEEP_MS = 60 * 60_000;

/**
 * Tells every instance that a project changed, so rendered indexes cached in memory are dropped.
 * In one process it is a plain callback list. Across processes:
 * - with Redis, changes are also published on a channel that every instance subscribes to. If the
 *   subscription drops, listeners get "*" (drop everything), since messages may have been missed while
 *   disconnected;
 * - without Redis, given the database, changes are also written to `change_log` (migration 030) and
 *   every instance reads the rows of others once a second. This is what makes an operator's CLI command
 *   (`wharf project quarantine`, another process) reach a running single-instance server: without it a
 *   quarantined project stayed installable from the caches until a restart.
 */
export class ChangeFeed {
  private listeners: Listener[] = [];
  private tokenListeners: TokenListener[] = [];
  private sub?: Redis;
  private readonly channel: string;
  private readonly origin = randomUUID();
  private poller?: NodeJS.Timeout;
  private last = 0;
  /** Sequence numbers already seen within the look-back window. */
  private seen = new Set<number>();
  private polling = false;
  private polls = 0;

  constructor(
    private readonly redis: Redis | undefined,
    prefix: string,
    private readonly db?: Db,
  ) {
    this.channel = `${prefix}project-changed`;
    if (redis) {
      this.sub = redis.duplicate();
      this.sub.on("error", () => undefined);
      this.sub.on("message", (_ch: string, projectId: string) => this.emit(projectId));
      this.sub.on("ready", () => this.emit("*"));
      void this.sub.subscribe(this.channel).catch(() => undefined);
    }
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Token revocations from every instance (and this one), for caches of verified tokens. */
  subscribeTokens(listener: TokenListener): void {
    this.tokenListeners.push(listener);
  }

  /**
   * Starts reading other processes' changes from the database (servers without Redis), from the newest
   * row now: whatever changed before is not in this process's caches. Call before serving.
   */
  async listen(): Promise<void> {
    if (this.redis || !this.db || this.poller) return;
    const top = await this.db
      .selectFrom("change_log")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .executeTakeFirst();
    this.last = Number(top?.seq ?? 0);
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  private emit(message: string): void {
    if (message.startsWith(TOKEN_PREFIX) || message.startsWith(USER_PREFIX)) {
      const id = message.slice(message.indexOf(":") + 1);
      const change: TokenChange = message.startsWith(TOKEN_PREFIX) ? { tokenId: id } : { userId: id };
      for (const l of this.tokenListeners) l(change);
      return;
    }
    for (const l of this.listeners) l(message);
    if (message === "*") for (const l of this.tokenListeners) l("*");
  }

  /**
   * Reads rows past the newest seen, and the last LOOKBACK numbers again: on PostgreSQL a sequence
   * number is taken before its row commits, so a smaller one can become visible after a larger one.
   */
  private async poll(): Promise<void> {
    const db = this.db;
    if (!db || this.polling) return;
    this.polling = true;
    try {
      const rows = await db
        .selectFrom("change_log")
        .select(["seq", "project_id", "origin"])
        .where("seq", ">", this.last - LOOKBACK)
        .orderBy("seq")
        .limit(1_000)
        .execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        if (this.seen.has(seq)) continue;
        this.seen.add(seq);
        if (seq > this.last) this.last = seq;
        if (r.origin !== this.origin) this.emit(r.project_id);
      }
      for (const s of this.seen) if (s <= this.last - LOOKBACK) this.seen.delete(s);
      // Every ten minutes or so, each instance drops rows nobody needs any more (idempotent).
      if (++this.polls % 600 === 0)
        await db
          .deleteFrom("change_log")
          .where("changed_at", "<", Date.now() - KEEP_MS)
          .execute();
    } catch {
      // A failed read is retried on the next tick; nothing is skipped, since `last` did not move.
    } finally {
      this.polling = false;
    }
  }

  /** Call after the change has committed. */
  async publish(projectId: string): Promise<void> {
    await this.send(projectId);
  }

  /**
   * Call after a token's revocation (or an account's freeze, or its tokens' mass revocation) has
   * committed: every instance drops the token from its cache of verified tokens.
   */
  async publishToken(change: Exclude<TokenChange, "*">): Promise<void> {
    await this.send(
      "tokenId" in change ? `${TOKEN_PREFIX}${change.tokenId}` : `${USER_PREFIX}${change.userId}`,
    );
  }

  private async send(message: string): Promise<void> {
    this.emit(message);
    if (this.redis) await this.redis.publish(this.channel, message).catch(() => undefined);
    else if (this.db)
      await this.db
        .insertInto("change_log")
        .values({ project_id: message, origin: this.origin, changed_at: Date.now() })
        .execute()
        .catch(() => undefined);
  }

  close(): void {
    this.sub?.disconnect();
    if (this.poller) clearInterval(this.poller);
  }
}
