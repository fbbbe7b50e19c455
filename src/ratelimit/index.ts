import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AppError } from "../lib/errors.js";
import { plural } from "../lib/plural.js";
import { rateLimitErrors } from "./errors.js";

/**
 * Named limits, in one place so the README and tests can cite them. Login numbers follow PyPI
 * (10 per 5 minutes per account and per IP); reset requests 5 a day per account (PyPI) so the reset
 * form cannot be used to flood someone's inbox.
 */
export const LIMITS = {
  loginUser: { points: 10, duration: 5 * 60 },
  loginIp: { points: 10, duration: 5 * 60 },
  resetUser: { points: 5, duration: 24 * 60 * 60 },
  resetIp: { points: 20, duration: 60 * 60 },
  registerIp: { points: 10, duration: 60 * 60 },
  sudoUser: { points: 10, duration: 5 * 60 },
  verifyResendUser: { points: 5, duration: 60 * 60 },
  // PyPI: 20 new projects an hour per user, which stops a compromised token from squatting names in bulk.
  // Second-factor guesses (TOTP, recovery codes), PyPI's numbers. Security keys are not counted here:
  // a guesser must not be able to lock the owner out of their phishing-resistant factor.
  mfaUser5m: { points: 5, duration: 5 * 60 },
  mfaUserHour: { points: 20, duration: 60 * 60 },
  mfaUserDay: { points: 50, duration: 24 * 60 * 60 },
  mfaIp5m: { points: 10, duration: 5 * 60 },
  mfaIpHour: { points: 50, duration: 60 * 60 },
  projectCreateUser: { points: 20, duration: 60 * 60 },
  // Passkey sign-in is unauthenticated and stores a challenge per request: generous (a person needs 2
  // requests per sign-in; an office behind one NAT needs more), but a cap on filling the challenge table.
  webauthnIp: { points: 30, duration: 5 * 60 },
  // Account recovery: the email step like password resets (an inbox cannot be flooded), proofs like a
  // second factor (an API token is not guessable, but each try costs a database lookup).
  recoveryUser: { points: 3, duration: 24 * 60 * 60 },
  recoveryIp: { points: 20, duration: 60 * 60 },
  recoveryProofIp: { points: 20, duration: 60 * 60 },
  // Codes typed at /account/recovery/stop (no password there): counted per IP, never in the account's
  // second-factor lockout, which a stranger could otherwise trip (issue 11 MEDIUM 7). Not per request
  // either: whoever started a recovery could then spend the owner's budget for stopping it.
  recoveryStopIp: { points: 10, duration: 60 * 60 },
  // Malware reports (issue 18): enough for a researcher working through a campaign, not for a flood
  // from one account burying the operators' queue.
  reportUserHour: { points: 5, duration: 60 * 60 },
  reportUserDay: { points: 20, duration: 24 * 60 * 60 },
  // Leaked-token reports (secret-scanning/): spent before the body is read or a signature checked, so
  // unsigned floods cost little; generous, since GitHub sends many small reports from few addresses.
  leakReportIp: { points: 120, duration: 60 },
  // Trusted publishing's token exchanges (npm and PyPI): only refused exchanges count (a success gives
  // its point back), so CI runners sharing an address are never slowed; a flood of forged or replayed
  // OIDC tokens (each an RS256 verification and a database look-up, ~2 ms) is cut off per address.
  oidcExchangeIp: { points: 30, duration: 5 * 60 },
} as const;

export type LimitName = keyof typeof LIMITS;

export interface RateLimiters {
  /** Spends one point of `name` for `key`; throws 429 with Retry-After once the budget is spent. */
  consume(name: LimitName, key: string): Promise<void>;
  /**
   * Opens a guess (password, second factor): spends one point of every budget BEFORE the guess is
   * checked, so a burst sent in parallel cannot all pass a look at the count before the first failure
   * is recorded (issue 11, item 6: 256 password guesses got through a limit of 10). Throws 429 if a
   * budget is spent; the caller gives the points back with `refund()` once the guess turns out right.
   */
  attempt(budgets: readonly Budget[]): Promise<Attempt>;
  /**
   * Throws 429 if `key` has already spent `name`, spending nothing. Only an early way out before costly
   * work whose point is then spent atomically with `consume` where it is decided (project creation
   * spends at commit); never the guard of a guess — that is `attempt`.
   */
  ensureLeft(name: LimitName, key: string): Promise<void>;
  /** Forgets `key`'s count, e.g. after the real user proved themselves. */
  reset(name: LimitName, key: string): Promise<void>;
}

export type Budget = readonly [name: LimitName, key: string];

export interface Attempt {
  /**
   * Spends one more budget whose key is only known after a cheap lookup (the account behind a login).
   * On 429 the points this attempt already spent are given back: nothing was checked.
   */
  add(name: LimitName, key: string): Promise<void>;
  /** The guess was right: only failures count, so the real owner is never charged for signing in. */
  refund(): Promise<void>;
  /** Whether this attempt spent the last point of `name`: the one moment to tell the owner of a burst. */
  exhausted(name: LimitName): boolean;
}

/**
 * In-process limits by default; with Redis, every instance behind the load balancer shares one count,
 * so an attacker cannot multiply their budget by the number of instances.
 */
export function createRateLimiters(opts: { redis?: Redis; prefix: string }): RateLimiters {
  const limiters = new Map<LimitName, RateLimiterMemory | RateLimiterRedis>();
  for (const [name, limit] of Object.entries(LIMITS) as [LimitName, (typeof LIMITS)[LimitName]][]) {
    const keyPrefix = `${opts.prefix}rl:${name}`;
    limiters.set(
      name,
      opts.redis
        ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix, ...limit, rejectIfRedisNotReady: true })
        : new RateLimiterMemory({ keyPrefix, ...limit }),
    );
  }
  return {
    async consume(name, key) {
      try {
        await limiters.get(name)!.consume(key.toLowerCase());
      } catch (e) {
        throw e instanceof RateLimiterRes ? limited(e) : unavailable();
      }
    },
    async attempt(budgets) {
      const spent: Spent[] = [];
      const attempt: Attempt = {
        async add(name, key) {
          const k = key.toLowerCase();
          try {
            const res = await limiters.get(name)!.consume(k);
            spent.push({ name, key: k, endsAt: Date.now() + res.msBeforeNext, left: res.remainingPoints });
          } catch (e) {
            await giveBack(spent.splice(0));
            throw e instanceof RateLimiterRes ? limited(e) : unavailable();
          }
        },
        refund: () => giveBack(spent.splice(0)),
        exhausted: (name) => spent.some((s) => s.name === name && s.left === 0),
      };
      for (const [name, key] of budgets) await attempt.add(name, key);
      return attempt;
    },
    async ensureLeft(name, key) {
      let res: RateLimiterRes | null;
      try {
        res = await limiters.get(name)!.get(key.toLowerCase());
      } catch {
        throw unavailable();
      }
      // An expired window can still be in memory until its timer fires; it no longer counts.
      if (res && res.msBeforeNext > 0 && res.consumedPoints >= LIMITS[name].points) throw limited(res);
    },
    async reset(name, key) {
      await limiters.get(name)!.delete(key.toLowerCase());
    },
  };

  async function giveBack(points: Spent[]): Promise<void> {
    for (const p of points) {
      // A point spent in a window that has since ended is gone with it; giving it back now would
      // start the next window below zero (a bonus guess for whoever times the boundary).
      if (Date.now() >= p.endsAt) continue;
      try {
        await limiters.get(p.name)!.reward(p.key, 1);
      } catch {
        // The store is down: the point stays spent, which errs on the side of the limit.
      }
    }
  }
}

interface Spent {
  name: LimitName;
  key: string;
  endsAt: number;
  left: number;
}

function limited(res: RateLimiterRes): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return rateLimitErrors.RATE_LIMITED(`Too many attempts. Try again in ${formatWait(retryAfter)}.`, {
    headers: { "retry-after": String(retryAfter) },
  });
}

// Fail closed: if the shared store is down we cannot count, so we do not let the attempt through.
function unavailable(): AppError {
  return rateLimitErrors.RATE_LIMIT_UNAVAILABLE();
}

function formatWait(seconds: number): string {
  if (seconds < 90) return plural(seconds, "second");
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}
