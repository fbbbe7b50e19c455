import { AppError } from "../lib/errors.js";
import { packageErrors } from "./errors.js";

/**
 * At most this many archive inspections (a twine upload's wheel/sdist, an npm publish's tarball) run
 * at once for one user. Inspection inflates and hashes the whole archive; without a bound, one token
 * holder sending uploads in parallel takes every core of the server (issue 11, item 11). Two lets a
 * CI job publish a wheel and an sdist side by side.
 */
export const MAX_INSPECTIONS_PER_USER = 2;

const running = new Map<string, number>();

/**
 * Runs `inspect(...args)` in one of the user's inspection slots, or refuses with 429 when the user already has
 * MAX_INSPECTIONS_PER_USER running. Refusing (rather than queueing) keeps the held memory bounded
 * too: a queued upload would sit in memory or on disk while it waits.
 *
 * In-process: with several instances behind a load balancer the bound is per instance, which still
 * caps the CPU one user can take from each of them.
 */
export async function withInspectionSlot<A extends unknown[], T>(
  userId: string,
  inspect: (...args: A) => Promise<T>,
  ...args: A
): Promise<T> {
  const release = tryInspectionSlot(userId);
  if (!release)
    throw packageErrors.TOO_MANY_INSPECTIONS(
      `You already have ${MAX_INSPECTIONS_PER_USER} uploads being checked. Wait for them to finish, then try again.`,
      { headers: { "retry-after": "5" } },
    );
  try {
    return await inspect(...args);
  } finally {
    release();
  }
}

/**
 * Takes one of the user's inspection slots if one is free, for an inspection that outlives a call (an
 * npm tarball inspected while it arrives, protocols/npm/tarball-arrival.ts); null when all are taken.
 * The returned function gives the slot back; calling it again does nothing.
 */
export function tryInspectionSlot(userId: string): (() => void) | null {
  const now = running.get(userId) ?? 0;
  if (now >= MAX_INSPECTIONS_PER_USER) return null;
  running.set(userId, now + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const left = (running.get(userId) ?? 1) - 1;
    if (left > 0) running.set(userId, left);
    else running.delete(userId);
  };
}
