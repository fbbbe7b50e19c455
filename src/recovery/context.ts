import type { Deps } from "../deps.js";

export type RecoveryDeps = Pick<
  Deps,
  "db" | "clock" | "keys" | "mailer" | "limits" | "log" | "config" | "changes"
>;

/** One-click cancel link for the owner's email (signed: only a request id, nothing to guess). */
export function cancelLink(deps: RecoveryDeps, requestId: string): string {
  return `${deps.config.origin}/account/recovery/cancel?token=${encodeURIComponent(deps.keys.seal("recovery-cancel", requestId))}`;
}

export function waitFor(deps: RecoveryDeps, critical: boolean): number {
  return critical ? deps.config.recoveryCriticalWaitMs : deps.config.recoveryWaitMs;
}

/**
 * The page where the owner stops a recovery with any one factor, without the password. The link names
 * the request (sealed): the page checks codes only for a request that is open and only in a browser
 * that received this link or started the recovery, so nobody can type codes there by username alone.
 */
export function stopLink(deps: RecoveryDeps, requestId: string): string {
  return `${deps.config.origin}/account/recovery/stop?token=${encodeURIComponent(deps.keys.seal("recovery-stop-link", requestId))}`;
}
