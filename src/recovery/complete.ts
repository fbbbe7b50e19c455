import {
  getUser,
  issueLinkToken,
  revokeAllSessions,
  sendAccessMail,
  voidLinkTokens,
} from "../accounts/index.js";
import { transaction } from "../db/index.js";
import { eventMail, recordEvent } from "../events/index.js";
import { instanceId, repeatEvery, withLease } from "../jobs/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { wipeFactors } from "../mfa/index.js";
import * as mails from "../notify/templates/recovery.js";
import { revokeAllTokens } from "../tokens/index.js";
import type { RecoveryDeps } from "./context.js";

import { isAbandoned } from "./domains.js";
import { coMaintainersOf } from "./people.js";
import { proofStands } from "./proofs.js";
import { type RecoveryRequest, toRequest, transition } from "./store.js";

/** How long the browser that confirmed the email has to present its proofs. */
export const PROOFS_FOR = DAY;

/**
 * A request still in the proofs state after its window: abandoned, only waiting for the next run of the
 * completion job to mark it expired. The console shows it as such, not as a live request.
 */
export const isAbandonedRequest = (r: Pick<RecoveryRequest, "state" | "createdAt">, now: number): boolean =>
  r.state === "proofs" && now - r.createdAt >= PROOFS_FOR;

/** Stored instead of a password hash: argon2 cannot parse it, so no password matches (fails closed). */
const NO_PASSWORD = "!reset-by-account-recovery";

export interface CompletionRun {
  completed: string[];
  lapsed: string[];
}

/**
 * Ends every wait that is over. A request completes only if it still stands: the account is not
 * frozen, its email is the one confirmed and not on an abandoned domain, and either an operator
 * approved it or at least one machine proof still holds. Otherwise it lapses, and nothing changes.
 */
export async function completeDueRecoveries(deps: RecoveryDeps): Promise<CompletionRun> {
  const now = deps.clock.now();
  // A request whose proofs were never submitted is abandoned after a day (it would otherwise count as
  // open forever on the dashboard and in the owner's banner).
  await deps.db
    .updateTable("recovery_requests")
    .set({
      state: "expired",
      decided_at: now,
      decided_by: "system",
      decision_reason: "proofs never submitted",
    })
    .where("state", "=", "proofs")
    .where("created_at", "<=", now - PROOFS_FOR)
    .execute();
  const due = await deps.db
    .selectFrom("recovery_requests")
    .selectAll()
    .where("state", "=", "waiting")
    .where("wait_until", "<=", now)
    .orderBy("wait_until")
    .limit(100)
    .execute();
  const run: CompletionRun = { completed: [], lapsed: [] };
  // Each row is read once; lapse() and complete() move it with a compare-and-swap on "waiting", so an
  // owner cancelling meanwhile wins and this run skips it.
  for (const r of due.map(toRequest)) {
    const why = await whyNot(deps, r, now);
    if (why) {
      if (await lapse(deps, r, now, why)) run.lapsed.push(r.id);
    } else if (await complete(deps, r, now)) run.completed.push(r.id);
  }
  return run;
}

async function whyNot(deps: RecoveryDeps, r: RecoveryRequest, now: number): Promise<string | null> {
  const user = await getUser(deps.db, r.userId);
  if (!user || user.isFrozen) return "the account is frozen";
  if (user.email !== r.email) return "the account's email address changed during the wait";
  if (await isAbandoned(deps.db, r.email)) return "the email domain was marked abandoned";
  if (r.approvedBy) return null;
  for (const p of r.proofs) if (await proofStands(deps.db, now, r.userId, p)) return null;
  return "none of its proofs still stands (the token was revoked or the session signed out)";
}

async function lapse(deps: RecoveryDeps, r: RecoveryRequest, now: number, why: string): Promise<boolean> {
  return transaction(deps.db, async (tx) => {
    const won = await transition(tx, r.id, ["waiting"], {
      state: "expired",
      decided_at: now,
      decided_by: "system",
      decision_reason: why,
    });
    if (won)
      await recordEvent(
        tx,
        now,
        {},
        { type: "recovery.cancelled", userId: r.userId, data: { request: r.id, by: "system", why } },
      );
    return won;
  });
}

/**
 * The reset itself, all in one transaction: factors and remembered browsers gone, every session and
 * API token revoked, the password unusable, and a factor required before anything else. The new
 * password is chosen through a reset link sent to the confirmed address.
 */
async function complete(deps: RecoveryDeps, r: RecoveryRequest, now: number): Promise<boolean> {
  const result = await transaction(deps.db, async (tx) => {
    const won = await transition(tx, r.id, ["waiting"], {
      state: "completed",
      decided_at: now,
      decided_by: "system",
    });
    if (!won) return null;
    const user = await getUser(tx, r.userId);
    await wipeFactors(tx, now, r.userId);
    const sessions = await revokeAllSessions(tx, now, r.userId);
    const tokens = await revokeAllTokens(tx, now, r.userId);
    await tx
      .updateTable("users")
      .set({ password_hash: NO_PASSWORD, password_changed_at: now, mfa_required_at: now })
      .where("id", "=", r.userId)
      .execute();
    await voidLinkTokens(tx, now, r.userId, "recover_account");
    await voidLinkTokens(tx, now, r.userId, "reset_password");
    const reset = await issueLinkToken(tx, deps.keys, now, r.userId, "reset_password", r.email);
    await recordEvent(
      tx,
      now,
      {},
      {
        type: "recovery.completed",
        userId: r.userId,
        data: { request: r.id, sessionsEnded: sessions, tokensRevoked: tokens },
        // The co-maintainers hear of it with the event. The owner's mail carries a reset link: it is
        // sent below, checked against abandoned domains at sending, and its token is never stored.
        notify: user
          ? (await coMaintainersOf(tx, r.userId)).map((m) =>
              eventMail(m.email, mails.coMaintainerCompleted, { who: m.username, account: user.username }),
            )
          : [],
      },
    );
    return { reset, user };
  });
  if (!result) return false;
  // Its tokens are revoked: every instance drops them from its cache of verified tokens.
  await deps.changes.publishToken({ userId: r.userId });
  const { reset, user } = result;
  if (user) {
    const link = `${deps.config.origin}/account/reset-password?token=${encodeURIComponent(reset)}`;
    // Checked again at sending: the domain may have been marked since whyNot() read it.
    await sendAccessMail(deps, {}, r.userId, "recovery_reset", r.email, mails.completed, {
      username: user.username,
      link,
    });
  }
  return true;
}

/** Checks for finished waits every few minutes, on one instance at a time (a lease). */
export function startRecoveryJob(deps: RecoveryDeps, intervalMs = 5 * MINUTE): () => Promise<void> {
  const holder = instanceId();
  return repeatEvery(
    () =>
      withLease(deps.db, "account-recovery", holder, intervalMs, deps.clock.now(), () =>
        completeDueRecoveries(deps),
      )
        .then((r) => {
          if (r.ran && (r.value.completed.length || r.value.lapsed.length))
            deps.log.info(r.value, "account recoveries ended");
        })
        .catch((e: unknown) => deps.log.error({ err: e }, "account recovery job failed")),
    { intervalMs, firstDelayMs: MINUTE },
  );
}
