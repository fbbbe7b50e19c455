/**
 * Background jobs that must run on one instance at a time (criticality, mandate notices, account
 * recovery, adoption snapshots): a lease row per job, renewed while the job runs, and a timer helper
 * that never runs two ticks at once and waits for the running one at shutdown.
 */
export { acquireLease, instanceId, releaseLease, repeatEvery, withLease } from "./lease.js";
