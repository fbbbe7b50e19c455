import type { Deps } from "../deps.js";
import { MINUTE } from "../lib/clock.js";
import { purgeChallenges } from "../mfa/index.js";
import { sendMandateNotices } from "./notices.js";

/**
 * Sends notice-phase emails shortly after a mandate's notice date. Every instance may run it: each
 * (mandate, maintainer) mail is claimed once in the database, so nobody gets two.
 */
export function startNoticeJob(deps: Deps, intervalMs = 5 * MINUTE): () => void {
  const timer = setInterval(() => {
    sendMandateNotices(deps).catch((e: unknown) => deps.log.error({ err: e }, "mandate notices failed"));
    purgeChallenges(deps.db, deps.clock.now()).catch((e: unknown) =>
      deps.log.warn({ err: e }, "challenge purge failed"),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
