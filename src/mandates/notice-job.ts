import type { Deps } from "../deps.js";
import { instanceId, withLease } from "../jobs/index.js";
import { MINUTE } from "../lib/clock.js";
import { purgeChallenges } from "../mfa/index.js";
import { sendMandateNotices } from "./notices.js";

/**
 * Sends notice-phase emails shortly after a mandate's notice date, on one instance at a time (a lease);
 * each (mandate, maintainer) mail is also claimed in the database, so nobody gets two even if a lease
 * runs out mid-way.
 */
export function startNoticeJob(deps: Deps, intervalMs = 5 * MINUTE): () => void {
  const holder = instanceId();
  const timer = setInterval(() => {
    withLease(deps.db, "mandate-notices", holder, intervalMs, deps.clock.now(), () =>
      sendMandateNotices(deps),
    ).catch((e: unknown) => deps.log.error({ err: e }, "mandate notices failed"));
    purgeChallenges(deps.db, deps.clock.now()).catch((e: unknown) =>
      deps.log.warn({ err: e }, "challenge purge failed"),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
