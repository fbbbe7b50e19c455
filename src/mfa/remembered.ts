import type { RequestContext } from "../accounts/index.js";
import { type DbExecutor, transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { DAY } from "../lib/clock.js";
import { randomToken, sha256Hex } from "../lib/crypto.js";
import { newId } from "../lib/ids.js";
import type { MfaDeps } from "./notify.js";

export const REMEMBER_FOR = 30 * DAY;

export interface RememberedBrowser {
  id: string;
  userAgent: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
}

/**
 * "Remember this browser for 30 days": a random token in an HttpOnly cookie, stored hashed, so the
 * user can see and revoke every remembered browser from the sessions page.
 *
 * The cookie skips the second factor for 30 days, so it is recorded in the security history (with the
 * IP and browser) in the same transaction: an owner reading the history must be able to see that
 * someone who got past the second step once also kept a way to skip it, as they see forgetting one.
 */
export async function rememberBrowser(deps: MfaDeps, ctx: RequestContext, userId: string): Promise<string> {
  const now = deps.clock.now();
  const token = randomToken(32);
  const id = newId(now);
  await transaction(deps.db, async (tx) => {
    await tx
      .insertInto("remembered_browsers")
      .values({
        id,
        user_id: userId,
        token_hash: sha256Hex(token),
        user_agent: (ctx.userAgent ?? "").slice(0, 400),
        created_at: now,
        expires_at: now + REMEMBER_FOR,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await recordEvent(tx, now, ctx, {
      type: "remembered_browser.created",
      userId,
      data: { expiresAt: now + REMEMBER_FOR },
    });
  });
  return deps.keys.seal("remember", `${userId}.${token}`);
}

export async function checkRememberedBrowser(
  deps: MfaDeps,
  userId: string,
  cookie: string,
): Promise<boolean> {
  const payload = deps.keys.unseal("remember", cookie);
  if (!payload) return false;
  const dot = payload.indexOf(".");
  if (payload.slice(0, dot) !== userId) return false;
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom("remembered_browsers")
    .select("id")
    .where("token_hash", "=", sha256Hex(payload.slice(dot + 1)))
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (!row) return false;
  await deps.db
    .updateTable("remembered_browsers")
    .set({ last_used_at: now })
    .where("id", "=", row.id)
    .execute();
  return true;
}

export async function listRememberedBrowsers(
  db: DbExecutor,
  now: number,
  userId: string,
): Promise<RememberedBrowser[]> {
  const rows = await db
    .selectFrom("remembered_browsers")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userAgent: r.user_agent,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  }));
}

export async function forgetBrowsers(
  db: DbExecutor,
  now: number,
  userId: string,
  id?: string,
): Promise<number> {
  let q = db
    .updateTable("remembered_browsers")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (id) q = q.where("id", "=", id);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}
