import type { DbExecutor } from "../db/index.js";
import type { EventContext } from "../events/index.js";
import { MINUTE } from "../lib/clock.js";
import { randomToken, sha256Hex } from "../lib/crypto.js";

/** Sudo mode lasts this long after re-authentication (the MFA issue adds a second factor to it). */
export const SUDO_WINDOW = 15 * MINUTE;
/** last_seen_at is written at most this often, so reading a page is not a database write. */
const TOUCH_INTERVAL = MINUTE;

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

export interface Session {
  idHash: string;
  publicId: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  sudoUntil: number | null;
  ip: string;
  userAgent: string;
  /** How this session was signed in: password, totp, webauthn, passkey, recovery_code, remembered, ... */
  authMethod: string;
  phishingResistant: boolean;
}

/** How a login proved itself; recorded on the session and in the event. */
export interface AuthProof {
  method: string;
  phishingResistant: boolean;
}

type Row = {
  id_hash: string;
  public_id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  sudo_until: number | null;
  ip: string;
  user_agent: string;
  auth_method: string;
  phishing_resistant: number;
};

function toSession(r: Row): Session {
  return {
    idHash: r.id_hash,
    publicId: r.public_id,
    userId: r.user_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    sudoUntil: r.sudo_until,
    ip: r.ip,
    userAgent: r.user_agent,
    authMethod: r.auth_method,
    phishingResistant: r.phishing_resistant === 1,
  };
}

/**
 * Creates a session and returns the cookie value. Only its sha256 is stored, so a database dump does
 * not contain usable session ids. Login always calls this (never reuses an id): session fixation.
 */
export async function createSession(
  db: DbExecutor,
  now: number,
  policy: SessionPolicy,
  userId: string,
  ctx: EventContext,
  opts: { sudo?: boolean; proof?: AuthProof } = {},
): Promise<{ cookie: string; session: Session }> {
  const cookie = randomToken(32);
  const row: Row = {
    id_hash: sha256Hex(cookie),
    public_id: randomToken(9),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    expires_at: now + policy.maxMs,
    // A fresh password login is a fresh authentication: it opens the sudo window.
    sudo_until: opts.sudo ? now + SUDO_WINDOW : null,
    ip: ctx.ip ?? "",
    user_agent: (ctx.userAgent ?? "").slice(0, 400),
    auth_method: opts.proof?.method ?? "password",
    phishing_resistant: opts.proof?.phishingResistant ? 1 : 0,
  };
  await db
    .insertInto("sessions")
    .values({ ...row, revoked_at: null })
    .execute();
  return { cookie, session: toSession(row) };
}

/** The live session for a cookie, or null if unknown, revoked, idle too long or past its absolute end. */
export async function findSession(
  db: DbExecutor,
  now: number,
  policy: SessionPolicy,
  cookie: string,
): Promise<Session | null> {
  if (!cookie || cookie.length > 100) return null;
  const row = await db
    .selectFrom("sessions")
    .selectAll()
    .where("id_hash", "=", sha256Hex(cookie))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!row || row.expires_at <= now || row.last_seen_at + policy.idleMs <= now) return null;
  if (now - row.last_seen_at > TOUCH_INTERVAL) {
    await db.updateTable("sessions").set({ last_seen_at: now }).where("id_hash", "=", row.id_hash).execute();
    row.last_seen_at = now;
  }
  return toSession(row);
}

export async function listSessions(
  db: DbExecutor,
  now: number,
  policy: SessionPolicy,
  userId: string,
): Promise<Session[]> {
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .where("last_seen_at", ">", now - policy.idleMs)
    .orderBy("last_seen_at", "desc")
    .execute();
  return rows.map(toSession);
}

/** Revokes one of the user's sessions by its public id; false when there was none to revoke. */
export async function revokeSession(
  db: DbExecutor,
  now: number,
  userId: string,
  publicId: string,
): Promise<boolean> {
  const r = await db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("public_id", "=", publicId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function revokeSessionByCookie(db: DbExecutor, now: number, cookie: string): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("id_hash", "=", sha256Hex(cookie))
    .execute();
}

/** Ends every session of the user except `keepIdHash` (after a password change or reset). */
export async function revokeAllSessions(
  db: DbExecutor,
  now: number,
  userId: string,
  keepIdHash?: string,
): Promise<number> {
  let q = db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (keepIdHash) q = q.where("id_hash", "!=", keepIdHash);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export function inSudo(session: Session, now: number): boolean {
  return session.sudoUntil !== null && session.sudoUntil > now;
}

export async function enterSudo(db: DbExecutor, now: number, session: Session): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ sudo_until: now + SUDO_WINDOW })
    .where("id_hash", "=", session.idHash)
    .execute();
  session.sudoUntil = now + SUDO_WINDOW;
}
