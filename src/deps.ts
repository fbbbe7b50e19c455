import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "./config.js";
import type { Db } from "./db/index.js";
import type { ReplayCache } from "./http/replay.js";
import type { Clock } from "./lib/clock.js";
import type { Keyring } from "./lib/crypto.js";
import type { Mailer } from "./mail/index.js";
import type { OidcVerifier } from "./oidc/index.js";
import type { ChangeFeed, DownloadCounter } from "./packages/index.js";
import type { RateLimiters } from "./ratelimit/index.js";
import type { BlobStore } from "./storage/index.js";
import type { TokenUsage } from "./tokens/index.js";

/**
 * Everything a domain function may need, built once in app.ts (no DI container). Domain modules take
 * `Deps` or the narrow `Pick<Deps, ...>` they use, which keeps them testable with a temp database.
 */
export interface Deps {
  config: Config & { secretKey: string };
  db: Db;
  dialect: "sqlite" | "postgres";
  blobs: BlobStore;
  mailer: Mailer;
  clock: Clock;
  keys: Keyring;
  limits: RateLimiters;
  redis?: Redis;
  /** Cross-instance "project changed" notices for index caches. */
  changes: ChangeFeed;
  downloads: DownloadCounter;
  tokenUsage: TokenUsage;
  /** Trusted publishing: verifies CI providers' OIDC tokens (keys cached per provider). */
  oidc: OidcVerifier;
  log: FastifyBaseLogger;
  /** Public answers replayed before Fastify; handlers `allow` what may be (http/replay.ts). */
  replay: ReplayCache;
}
