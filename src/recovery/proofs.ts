import type { DbExecutor } from "../db/index.js";
import { liveTokenOf, tokenIsLive } from "../tokens/index.js";
import type { RecoveryDeps } from "./context.js";
import { recoveryErrors } from "./errors.js";
import type { Proof } from "./store.js";

/**
 * What the browser finishing the request shows by itself, read by the web adapter: it carries the
 * signed "signed in here before" cookie or a remembered-browser cookie of the account, or a live
 * session of the account. An attacker who only controls the email has none of these.
 */
export interface ObservedProofs {
  knownBrowser: boolean;
  openSessionId: string | null;
}

/** Collects the proofs for a request: the observed ones and, if given, an API token of the account. */
export async function gatherProofs(
  deps: RecoveryDeps,
  ip: string,
  userId: string,
  observed: ObservedProofs,
  apiToken: string,
): Promise<Proof[]> {
  const proofs: Proof[] = [];
  if (apiToken.trim()) {
    await deps.limits.consume("recoveryProofIp", ip);
    const token = await liveTokenOf(deps.db, deps.clock.now(), userId, apiToken);
    if (!token) throw recoveryErrors.TOKEN_NOT_PROOF();
    proofs.push({ kind: "api_token", tokenId: token.id, name: token.name });
  }
  if (observed.knownBrowser) proofs.push({ kind: "known_browser" });
  if (observed.openSessionId) proofs.push({ kind: "open_session", sessionId: observed.openSessionId });
  return proofs;
}

/**
 * Whether a proof still stands when the wait ends. A token the owner revoked meanwhile, or a session
 * they signed out, no longer proves anything (that is how an owner who spots the request can also
 * stop it). Having signed in from a browser before is an observation and stays true.
 */
export async function proofStands(db: DbExecutor, now: number, userId: string, p: Proof): Promise<boolean> {
  if (p.kind === "api_token") return tokenIsLive(db, now, p.tokenId);
  if (p.kind === "open_session") {
    // Only an explicit sign-out undoes it: a session idling out during a 7-day wait proved presence
    // when it was shown, which is what the proof is about.
    const s = await db
      .selectFrom("sessions")
      .select("public_id")
      .where("user_id", "=", userId)
      .where("public_id", "=", p.sessionId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Boolean(s);
  }
  return true;
}
