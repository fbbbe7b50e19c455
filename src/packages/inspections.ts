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
  const max = MAX_INSPECTIONS_PER_USER;
  const now = running.get(userId) ?? 0;
  if (now >= max)
    throw packageErrors.TOO_MANY_INSPECTIONS(
      `You already have ${max} uploads being checked. Wait for them to finish, then try again.`,
      { headers: { "retry-after": "5" } },
    );
  running.set(userId, now + 1);
  try {
    return await inspect(...args);
  } finally {
    const left = (running.get(userId) ?? 1) - 1;
    if (left > 0) running.set(userId, left);
    else running.delete(userId);
  }
}
