import { hashPassword } from "../../src/accounts/passwords.js";
import { type Db, transaction } from "../../src/db/index.js";
import { Keyring } from "../../src/lib/crypto.js";
import { newId } from "../../src/lib/ids.js";
import { generateRecoveryCodes } from "../../src/mfa/recovery-codes.js";
import { newTotpSecret, storeTotp } from "../../src/mfa/totp.js";
import { insertToken } from "../../src/tokens/store.js";
import { HttpFormClient, type HttpResult } from "../e2e/support/http.js";
import { withDatabase } from "../e2e/support/pypi.js";
import type { Target } from "./support.js";

/**
 * What the race campaign (races.test.ts) needs around a running server: many fresh
 * accounts written straight into its database (one argon2 hash for all of them, so a thousand accounts
 * cost a moment), distinct client addresses, and a classifier for every answer.
 */

export const PASSWORD = "tidal basin lantern 4821";
let passwordHash: Promise<string> | undefined;

export interface RaceUser {
  id: string;
  username: string;
  email: string;
  totpSecret?: string;
  recoveryCodes?: string[];
  token?: string;
}

let serial = 0;

/**
 * `count` verified accounts with the password PASSWORD and, as asked, an authenticator (last step 0,
 * so the current code is accepted once), recovery codes and an account-wide API token.
 */
export async function seedUsers(
  t: Target,
  count: number,
  opts: { totp?: boolean; recovery?: boolean; token?: boolean; unverified?: boolean } = {},
): Promise<RaceUser[]> {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const keys = new Keyring(t.server.env.WHARF_SECRET_KEY!);
  return withDatabase(t.server, (db) =>
    transaction(db, async (tx) => {
      const out: RaceUser[] = [];
      const now = Date.now();
      for (let i = 0; i < count; i++) {
        const username = `racer${++serial}`;
        const email = `${username}@example.test`;
        const id = newId(now);
        await tx
          .insertInto("users")
          .values({
            id,
            username,
            username_canonical: username,
            email,
            email_canonical: email,
            email_verified_at: opts.unverified ? null : now,
            password_hash: hash,
            password_changed_at: now,
            is_admin: 0,
            is_frozen: 0,
            created_at: now,
            mfa_enrolled_at: opts.totp ? now : null,
          })
          .execute();
        const u: RaceUser = { id, username, email };
        if (opts.totp) {
          u.totpSecret = newTotpSecret();
          await storeTotp(tx, keys, now, id, u.totpSecret, 0);
        }
        if (opts.recovery) u.recoveryCodes = await generateRecoveryCodes(tx, now, id);
        if (opts.token) {
          const minted = await insertToken(tx, now, {
            userId: id,
            name: "race campaign",
            projectIds: null,
            expiresAt: null,
            issuedBy: "user",
          });
          u.token = minted.token;
        }
        out.push(u);
      }
      return out;
    }),
  );
}

/** Reads the server's database from the test process (what was really stored, whatever was answered). */
export const inDb = <T>(t: Target, work: (db: Db) => Promise<T>) => withDatabase(t.server, work);

/**
 * The server runs with WHARF_TRUST_PROXY=loopback, so every racer can come from its own address: the
 * per-IP limits (10 second-factor guesses per 5 minutes) then count each racer apart and cannot
 * serialise the race, which is the attacker's best case (a botnet).
 */
let ipSerial = 0;
export function nextIp(): Record<string, string> {
  const n = ++ipSerial;
  return { "x-forwarded-for": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
}

export type Verdict = "won" | "refused" | "limited" | "5xx" | "unclear";

/** Tallies of one case: answers by kind, double-spends, rounds without a winner. */
export class Tally {
  readonly counts: Record<Verdict, number> = { won: 0, refused: 0, limited: 0, "5xx": 0, unclear: 0 };
  doubleSpends = 0;
  noWinner = 0;
  readonly samples: string[] = [];

  add(v: Verdict, detail: string): Verdict {
    this.counts[v]++;
    if (process.env.WHARF_RACES_VERBOSE) console.log(v, detail.slice(0, 300));
    if ((v === "5xx" || v === "unclear") && this.samples.length < 5) this.samples.push(detail);
    return v;
  }

  get tried(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  outcome(): string {
    const c = this.counts;
    return (
      `${this.doubleSpends} double-spends; won ${c.won}, refused ${c.refused}, 429 ${c.limited}, ` +
      `5xx ${c["5xx"]}, unclear ${c.unclear}${this.noWinner ? `, ${this.noWinner} rounds nobody won` : ""}`
    );
  }

  /** Double-spends, 5xx and unclear answers: all must be zero (and, with exactlyOne, every round won). */
  held(exactlyOne: boolean): boolean {
    return (
      this.doubleSpends === 0 &&
      this.counts["5xx"] === 0 &&
      this.counts.unclear === 0 &&
      (!exactlyOne || this.noWinner === 0)
    );
  }
}

/** Status buckets every case shares; `won` decides what counts as the single use succeeding. */
export function classify(status: number, won: boolean, clearRefusal: boolean): Verdict {
  if (status >= 500 || status === 0) return "5xx";
  if (won) return "won";
  if (status === 429) return "limited";
  return clearRefusal ? "refused" : "unclear";
}

/** A web client half-way through signing in: its password step is done, the second step is open. */
export async function passwordStep(
  t: Target,
  u: RaceUser,
): Promise<{ web: HttpFormClient; ip: Record<string, string> }> {
  const web = new HttpFormClient();
  const ip = nextIp();
  await web.get(`${t.server.url}/account/login`, ip);
  const r = await web.post(`${t.server.url}/account/login`, { username: u.username, password: PASSWORD }, ip);
  if (r.status !== 303 || !r.headers.get("location")?.startsWith("/account/login/two-factor"))
    throw new Error(`password step for ${u.username} answered ${r.status} ${r.headers.get("location")}`);
  return { web, ip };
}

/** A signed-in web client (an account without a second factor). */
export async function signedIn(
  t: Target,
  u: RaceUser,
): Promise<{ web: HttpFormClient; ip: Record<string, string> }> {
  const web = new HttpFormClient();
  const ip = nextIp();
  await web.get(`${t.server.url}/account/login`, ip);
  const r = await web.post(`${t.server.url}/account/login`, { username: u.username, password: PASSWORD }, ip);
  if (r.status !== 303 || !web.cookies.has("wharf_session"))
    throw new Error(`sign-in for ${u.username} answered ${r.status}`);
  return { web, ip };
}

/** A refusal a person can act on: a 4xx whose page or body says what went wrong. */
export function saysWhy(r: HttpResult): boolean {
  return r.status >= 400 && r.status < 500 && /class="(error|flash[^"]*)"|role="alert"|error/i.test(r.body);
}

/** Runs `fns` together, each after a seeded jitter of 0–2 ms, so arrivals interleave differently each round. */
export async function together<T>(rand: () => number, fns: Array<() => Promise<T>>): Promise<T[]> {
  return Promise.all(
    fns.map(async (f) => {
      const d = Math.floor(rand() * 3);
      if (d) await new Promise((r) => setTimeout(r, d));
      return f();
    }),
  );
}
