/*
 * Timing checks for regular-expression denial of service, robust on a shared, noisy machine: a
 * parser's time on an adversarial input is compared with a linear reference on the same input, never
 * with a wall-clock limit. A linear parser stays within a small multiple of the reference; a
 * quadratic one on ~100 KB is thousands of times slower, so the bound has a wide margin either way.
 */

/** The parser may take at most this many times the linear reference. */
export const MAX_RATIO = 25;

function timeOnce(fn: () => void): number {
  const start = process.hrtime.bigint();
  try {
    fn();
  } catch {
    // Refusing the input quickly is the expected outcome for most adversarial inputs.
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * The linear reference: copying the input character by character, work every parser must at least
 * be able to afford. The fastest of several runs is the one least disturbed by other load.
 */
export function referenceMs(input: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++)
    best = Math.min(
      best,
      timeOnce(() => void input.split("").join("")),
    );
  return Math.max(best, 0.05);
}

/**
 * How many times slower than the reference `parse(input)` is, as the fastest of up to 3 runs. A run
 * that is far over the bound is not noise, so it is not repeated (a quadratic parser would take minutes).
 */
export function slowdown(parse: (input: string) => unknown, input: string): number {
  const reference = referenceMs(input);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    best = Math.min(best, timeOnce(() => void parse(input)) / reference);
    if (best <= MAX_RATIO || best > 20 * MAX_RATIO) break;
  }
  return best;
}
