import type { Deps } from "../deps.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { randomToken, safeEqual, sha256Hex } from "../lib/crypto.js";

/**
 * The browser hand-off of the command-line clients: `npm login --auth-type=web`, npm writes confirmed
 * with a security key, and RubyGems' WebAuthn verification (gem ≥ 3.4). The CLI gets a URL to open (it
 * names only the public id) and polls for the result: npm a doneUrl that also carries a secret, gem an
 * address authenticated with the same API key or password as the request it is completing, so whoever
 * sees the browser URL cannot collect the result. Every step is a compare-and-swap: confirmed once,
 * collected once, spent once.
 *
 * login: the result is a new token (npm). otp: a one-time password bound to one npm request.
 * gem-otp: a one-time password for the gem CLI's next write of that user (the verification is asked
 * for before gem repeats its request, so it cannot name the request).
 */
export type WebAuthKind = "login" | "otp" | "gem-otp";

/** How long the person has to finish in the browser. */
export const WEB_AUTH_TTL = 10 * MINUTE;
/** How long a one-time password from the browser stays usable after confirmation (bound to one request). */
export const WEB_OTP_TTL = 5 * MINUTE;
export const WEB_OTP_PREFIX = "webotp_";

export interface WebAuth {
  id: string;
  kind: WebAuthKind;
  userId: string | null;
  description: string;
  operation: string;
  ip: string;
  createdAt: number;
  expiresAt: number;
  confirmedAt: number | null;
  deniedAt: number | null;
}

type Store = Pick<Deps, "db" | "clock" | "keys">;

export async function createWebAuth(
  deps: Store,
  input: { kind: WebAuthKind; userId: string | null; description: string; operation: string; ip: string },
): Promise<{ id: string; secret: string }> {
  const now = deps.clock.now();
  // Housekeeping on the write path: finished or abandoned hand-offs older than a day go.
  await deps.db
    .deleteFrom("cli_web_auth")
    .where("expires_at", "<", now - DAY)
    .execute();
  const id = randomToken(18);
  const secret = randomToken(32);
  await deps.db
    .insertInto("cli_web_auth")
    .values({
      id,
      kind: input.kind,
      user_id: input.userId,
      done_hash: sha256Hex(secret),
      description: input.description.slice(0, 300),
      operation: input.operation.slice(0, 600),
      ip: input.ip,
      created_at: now,
      expires_at: now + WEB_AUTH_TTL,
    })
    .execute();
  return { id, secret };
}

/** An open (unexpired) hand-off, or null. */
export async function findWebAuth(deps: Store, id: string): Promise<WebAuth | null> {
  if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return null;
  const r = await deps.db.selectFrom("cli_web_auth").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r || r.expires_at <= deps.clock.now()) return null;
  return {
    id: r.id,
    kind: r.kind as WebAuthKind,
    userId: r.user_id,
    description: r.description,
    operation: r.operation,
    ip: r.ip,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    confirmedAt: r.confirmed_at,
    deniedAt: r.denied_at,
  };
}

/**
 * Records the person's answer. `result` (the new token for a login, the one-time password for a write)
 * is kept encrypted until the CLI collects it. False if someone answered first.
 */
export async function answerWebAuth(
  deps: Store,
  wa: WebAuth,
  userId: string,
  answer: { confirm: true; result: string } | { confirm: false },
): Promise<boolean> {
  const now = deps.clock.now();
  const set = answer.confirm
    ? {
        confirmed_at: now,
        user_id: userId,
        result_enc: deps.keys.encrypt(answer.result, `cli-web-auth:${wa.id}`),
        otp_hash: wa.kind === "login" ? null : sha256Hex(answer.result),
      }
    : { denied_at: now, user_id: userId };
  const r = await deps.db
    .updateTable("cli_web_auth")
    .set(set)
    .where("id", "=", wa.id)
    .where("confirmed_at", "is", null)
    .where("denied_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export type Collected = { state: "pending" } | { state: "denied" } | { state: "done"; token: string } | null;

/**
 * The CLI's poll of doneUrl: the result exactly once, then nothing is left to collect. Only from the
 * address that started the hand-off: doneUrl travels through access logs, and a copy of it in
 * someone else's hands must not be enough.
 */
export async function collectWebAuth(
  deps: Store,
  id: string,
  secret: string,
  ip: string,
): Promise<Collected> {
  if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return null;
  const r = await deps.db.selectFrom("cli_web_auth").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r || !safeEqual(sha256Hex(secret), r.done_hash) || r.delivered_at !== null || r.ip !== ip) return null;
  if (r.denied_at !== null) return { state: "denied" };
  if (r.confirmed_at === null || !r.result_enc)
    return r.expires_at > deps.clock.now() ? { state: "pending" } : null;
  return (await deliverOnce(deps, id, r.result_enc)) ?? null;
}

/**
 * The gem CLI's poll (`api/v1/webauthn_verification/<id>/status.json`): like collectWebAuth, but the
 * poller proves itself by being the hand-off's user (its API key or password was checked by the
 * caller) from the address that asked for it. `expired` once the link or the answer is gone.
 */
export async function collectGemOtp(
  deps: Store,
  id: string,
  userId: string,
  ip: string,
): Promise<Collected | { state: "expired" }> {
  if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return null;
  const r = await deps.db.selectFrom("cli_web_auth").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r || r.kind !== "gem-otp" || r.user_id !== userId || r.ip !== ip) return null;
  if (r.denied_at !== null) return { state: "denied" };
  if (r.delivered_at !== null) return { state: "expired" };
  if (r.confirmed_at === null || !r.result_enc)
    return r.expires_at > deps.clock.now() ? { state: "pending" } : { state: "expired" };
  return (await deliverOnce(deps, id, r.result_enc)) ?? { state: "expired" };
}

/**
 * Hands the confirmed result over once: of two polls racing, the one whose update clears it gets the
 * token; the other gets null (and the caller's "nothing to collect" answer).
 */
async function deliverOnce(
  deps: Store,
  id: string,
  resultEnc: string,
): Promise<{ state: "done"; token: string } | null> {
  const won = await deps.db
    .updateTable("cli_web_auth")
    .set({ delivered_at: deps.clock.now(), result_enc: null })
    .where("id", "=", id)
    .where("delivered_at", "is", null)
    .executeTakeFirst();
  if (won.numUpdatedRows !== 1n) return null;
  return { state: "done", token: deps.keys.decrypt(resultEnc, `cli-web-auth:${id}`) };
}

/**
 * Spends a one-time password issued by the browser: same user, same request (method and path), within
 * five minutes of confirmation, once.
 */
export async function spendWebOtp(
  deps: Store,
  userId: string,
  operation: string,
  otp: string,
): Promise<boolean> {
  const now = deps.clock.now();
  const r = await deps.db
    .updateTable("cli_web_auth")
    .set({ spent_at: now })
    .where("otp_hash", "=", sha256Hex(otp))
    .where("kind", "=", operation === GEM_OPERATION ? "gem-otp" : "otp")
    .where("user_id", "=", userId)
    .where("operation", "=", operation)
    .where("confirmed_at", ">", now - WEB_OTP_TTL)
    .where("spent_at", "is", null)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export const newWebOtp = (): string => `${WEB_OTP_PREFIX}${randomToken(32)}`;

/** The operation a gem-otp hand-off is bound to: any gem write of its user (see WebAuthKind). */
export const GEM_OPERATION = "rubygems: next write";
