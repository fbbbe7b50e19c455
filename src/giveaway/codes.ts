import type { User } from "../accounts/index.js";
import { type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { newId } from "../lib/ids.js";
import { actorStrength, lockUser } from "../mfa/index.js";
import { giveawayErrors } from "./errors.js";
import { codeHash, maskCode, openCode, sealCode } from "./secrets.js";

/** PyPI gave two free keys to each maintainer of a critical project. */
export const CODES_PER_USER = 2;

type GiveawayDeps = Pick<Deps, "db" | "clock" | "keys">;

export interface Eligibility {
  eligible: boolean;
  reason: string;
  claimed: string[];
  remaining: number;
}

/**
 * Eligible: maintainers of a critical project. With `requireNoKey`, only those who have no security key
 * or passkey yet (the operator's choice when codes are scarce).
 */
export async function giveawayEligibility(
  deps: GiveawayDeps,
  userId: string,
  opts: { requireNoKey?: boolean } = {},
): Promise<Eligibility> {
  const claimed = (
    await deps.db
      .selectFrom("giveaway_codes")
      .select(["id", "code_sealed"])
      .where("claimed_by", "=", userId)
      .orderBy("claimed_at")
      .execute()
  ).map((r) => openCode(deps.keys, r.id, r.code_sealed));
  const remaining = CODES_PER_USER - claimed.length;
  const critical = await deps.db
    .selectFrom("roles")
    .innerJoin("projects", "projects.id", "roles.project_id")
    .select("projects.name")
    .where("roles.user_id", "=", userId)
    .where("projects.critical_since", "is not", null)
    .executeTakeFirst();
  if (!critical)
    return {
      eligible: false,
      reason: "Security keys are offered to maintainers of critical projects.",
      claimed,
      remaining: 0,
    };
  if (opts.requireNoKey && claimed.length === 0 && (await actorStrength(deps.db, userId)).phishingResistant) {
    return {
      eligible: false,
      reason: "You already have a security key or passkey: the codes go to maintainers who have none yet.",
      claimed,
      remaining: 0,
    };
  }
  if (remaining <= 0)
    return {
      eligible: false,
      reason: `You have claimed the ${CODES_PER_USER} codes offered to each maintainer.`,
      claimed,
      remaining: 0,
    };
  return {
    eligible: true,
    reason: `As a maintainer of ${critical.name}, you can claim up to ${CODES_PER_USER} codes.`,
    claimed,
    remaining,
  };
}

/**
 * Gives the user one unclaimed code. The per-user count is checked under a lock on the user's row, and
 * each code is taken with a compare-and-swap, so parallel claims never give a code twice or a person
 * more than their share. Returns the code, or throws when none are left.
 */
export async function claimCode(
  deps: GiveawayDeps,
  ctx: EventContext,
  user: User,
  opts: { requireNoKey?: boolean } = {},
): Promise<string> {
  const now = deps.clock.now();
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = await transaction(deps.db, async (tx) => {
      await lockUser(tx, user.id);
      const e = await giveawayEligibility(
        { db: tx as unknown as Deps["db"], clock: deps.clock, keys: deps.keys },
        user.id,
        opts,
      );
      if (!e.eligible) throw giveawayErrors.NOT_ELIGIBLE(e.reason);
      const candidates = await tx
        .selectFrom("giveaway_codes")
        .select(["id", "code_sealed"])
        .where("claimed_by", "is", null)
        .orderBy("loaded_at")
        .orderBy("id")
        .limit(5)
        .execute();
      if (candidates.length === 0) throw giveawayErrors.NO_CODES_LEFT();
      // Spread racing claimers over several candidates so most compare-and-swaps succeed first time.
      const pick = candidates[Math.floor(Math.random() * candidates.length)]!;
      const r = await tx
        .updateTable("giveaway_codes")
        .set({ claimed_by: user.id, claimed_at: now })
        .where("id", "=", pick.id)
        .where("claimed_by", "is", null)
        .executeTakeFirst();
      if (r.numUpdatedRows !== 1n) return null;
      await recordEvent(tx, now, ctx, {
        type: "giveaway.claimed",
        userId: user.id,
        data: { batch: "security-key" },
      });
      return openCode(deps.keys, pick.id, pick.code_sealed);
    });
    if (result) return result;
  }
  throw giveawayErrors.BUSY();
}

/** `wharf giveaway load`: one code per line, or a CSV whose first column is the code. Duplicates are skipped. */
export async function loadCodes(
  deps: GiveawayDeps,
  text: string,
  batch: string,
  /** Rows that must commit with the codes (the console's audit entry). */
  alsoInTransaction?: (tx: Tx, counts: { added: number; skipped: number }) => Promise<void>,
): Promise<{ added: number; skipped: number }> {
  const now = deps.clock.now();
  const codes = text
    .split(/\r?\n/)
    .map((l) => l.split(",")[0]!.trim().replace(/^"|"$/g, ""))
    .filter((c) => c && !/^code$/i.test(c));
  let added = 0;
  await transaction(deps.db, async (tx) => {
    for (const code of codes) {
      const id = newId(now);
      const r = await tx
        .insertInto("giveaway_codes")
        .values({
          id,
          code_hash: codeHash(deps.keys, code),
          code_sealed: sealCode(deps.keys, id, code),
          code_hint: maskCode(code),
          batch,
          loaded_at: now,
          claimed_by: null,
          claimed_at: null,
        })
        .onConflict((oc) => oc.column("code_hash").doNothing())
        .executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    await alsoInTransaction?.(tx, { added, skipped: codes.length - added });
  });
  return { added, skipped: codes.length - added };
}

export interface Inventory {
  total: number;
  claimed: number;
  available: number;
  claims: Array<{ username: string; claimedAt: number; batch: string }>;
}

export async function giveawayInventory(deps: GiveawayDeps): Promise<Inventory> {
  const rows = await deps.db
    .selectFrom("giveaway_codes")
    .leftJoin("users", "users.id", "giveaway_codes.claimed_by")
    .select(["giveaway_codes.batch", "giveaway_codes.claimed_at", "users.username"])
    .execute();
  const claims = rows
    .filter((r) => r.claimed_at !== null)
    .map((r) => ({ username: r.username ?? "(deleted)", claimedAt: r.claimed_at!, batch: r.batch }));
  return {
    total: rows.length,
    claimed: claims.length,
    available: rows.length - claims.length,
    claims: claims.sort((a, b) => b.claimedAt - a.claimedAt),
  };
}
