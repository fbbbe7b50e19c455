import {
  type AuthProof,
  getUser,
  type LoginResult,
  type RequestContext,
  startSession,
  type User,
} from "../accounts/index.js";
import { transaction } from "../db/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import * as mails from "../notify/templates/mfa.js";
import { createChallenge, peekChallenge, spendChallenge } from "./challenges.js";
import { mfaErrors } from "./errors.js";
import { type FactorSummary, factorSummary } from "./factors.js";
import { checkGuessable, type GuessableFactor } from "./guard.js";
import type { MfaDeps } from "./notify.js";
import { checkRememberedBrowser, rememberBrowser } from "./remembered.js";

export const SECOND_STEP_TTL = 5 * MINUTE;
export const CHECKUP_AFTER = 28 * DAY;

export type PasswordOutcome =
  | { kind: "signed-in"; login: LoginResult; checkupDue: boolean }
  | { kind: "second-step"; token: string };

/**
 * After a correct password: without factors, or from a browser the user asked us to remember, the
 * session starts; otherwise a signed, single-use, 5-minute challenge bound to this user and to this
 * password step is issued for the second step. A password reset ends in this same place, so it
 * never bypasses the second factor (ASVS v5 6.4.3).
 */
export async function afterPassword(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  opts: { previousCookie?: string; rememberCookie?: string },
): Promise<PasswordOutcome> {
  const factors = await factorSummary(deps.db, user.id);
  if (!factors.enrolled) {
    return {
      kind: "signed-in",
      login: await startSession(deps, ctx, user, "password", opts.previousCookie),
      checkupDue: false,
    };
  }
  if (opts.rememberCookie && (await checkRememberedBrowser(deps, user.id, opts.rememberCookie))) {
    const login = await startSession(
      deps,
      ctx,
      user,
      { method: "remembered_browser", phishingResistant: false },
      opts.previousCookie,
    );
    return { kind: "signed-in", login, checkupDue: await checkupDue(deps, user.id) };
  }
  const challenge = await createChallenge(deps.db, deps.clock.now(), "login", user.id, SECOND_STEP_TTL);
  return { kind: "second-step", token: deps.keys.seal("login-step", `${challenge.id}.${user.id}`) };
}

function parseToken(deps: MfaDeps, token: string): { challengeId: string; userId: string } {
  const payload = deps.keys.unseal("login-step", token);
  const [challengeId, userId] = payload?.split(".") ?? [];
  if (!challengeId || !userId) throw mfaErrors.CHALLENGE_INVALID();
  return { challengeId, userId };
}

export interface PendingLogin {
  user: User;
  factors: FactorSummary;
}

/** Who is half-way through signing in with this token (for the second-step page). */
export async function pendingLogin(deps: MfaDeps, token: string): Promise<PendingLogin> {
  const { challengeId, userId } = parseToken(deps, token);
  await peekChallenge(deps.db, deps.clock.now(), challengeId, "login", userId);
  const user = await getUser(deps.db, userId);
  if (!user || user.isFrozen) throw mfaErrors.CHALLENGE_INVALID();
  return { user, factors: await factorSummary(deps.db, userId) };
}

export interface SecondStepOptions {
  remember: boolean;
  previousCookie?: string;
  /** Whether this browser has completed a sign-in to the account before (asked once the user is known). */
  knownBrowser: (userId: string) => boolean;
}

export interface SecondStepResult {
  login: LoginResult;
  rememberCookie?: string;
  checkupDue: boolean;
}

/**
 * Completes the second step with a code (TOTP or recovery) or a proof the caller already verified
 * (a security key assertion). The challenge is spent only on success, by compare-and-swap, so a
 * wrong code can be retried within the 5 minutes but a used step cannot be replayed.
 */
export async function completeSecondStep(
  deps: MfaDeps,
  ctx: RequestContext,
  token: string,
  factor: GuessableFactor | { kind: "proof"; proof: AuthProof },
  opts: SecondStepOptions,
): Promise<SecondStepResult> {
  const { user } = await pendingLogin(deps, token);
  const { challengeId } = parseToken(deps, token);
  const proof: AuthProof =
    factor.kind === "proof"
      ? factor.proof
      : { method: (await checkGuessable(deps, ctx, user, factor)).method, phishingResistant: false };
  await transaction(deps.db, (tx) => spendChallenge(tx, deps.clock.now(), challengeId, "login", user.id));
  // PyPI added this after the 2025 phishing campaign: a phishable factor from a new browser is
  // exactly what a real-time phishing proxy produces, so the owner hears of it at once.
  const newBrowser = !proof.phishingResistant && !opts.knownBrowser(user.id);
  const login = await startSession(
    deps,
    ctx,
    user,
    proof,
    opts.previousCookie,
    newBrowser
      ? {
          template: mails.newBrowserSignIn,
          vars: {
            username: user.username,
            method: proof.method,
            userAgent: ctx.userAgent ?? "",
            ip: ctx.ip,
            at: deps.clock.now(),
          },
        }
      : undefined,
  );
  const rememberCookie = opts.remember ? await rememberBrowser(deps, ctx, user.id) : undefined;
  return { login, rememberCookie, checkupDue: await checkupDue(deps, user.id) };
}

/** GitHub's 28-day checkup: once, after the first factor has been enrolled for 28 days. */
export async function checkupDue(deps: Pick<MfaDeps, "db" | "clock">, userId: string): Promise<boolean> {
  const u = await deps.db
    .selectFrom("users")
    .select(["mfa_enrolled_at", "mfa_checkup_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  return Boolean(
    u?.mfa_enrolled_at && u.mfa_checkup_at === null && deps.clock.now() - u.mfa_enrolled_at >= CHECKUP_AFTER,
  );
}
