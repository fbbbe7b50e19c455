/*
 * Timing checks for regular-expression denial of service, robust on a shared, noisy machine: a
 * parser's time on an adversarial input is compared with linear references, never with a wall-clock
 * limit. A quadratic parser on ~100 KB is thousands of times over both bounds; a linear one is within
 * at least one of them with a wide margin.
 */

/** Bound on the parser's time over a plain copy of the same input. */
export const MAX_RATIO = 50;
/** The small input is this many times shorter: a linear parser's time grows by ~16, a quadratic one's by ~256. */
const SMALL = 16;
/** Bound on the growth from the small input to the full one. */
export const MAX_GROWTH = 4 * SMALL;

function timeOnce(fn: () => void): number {
  const start = process.hrtime.bigint();
  try {
    fn();
  } catch {
    // Refusing the input quickly is the expected outcome for most adversarial inputs.
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The fastest of several runs is the one least disturbed by other load. */
function fastest(fn: () => void, runs = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) best = Math.min(best, timeOnce(fn));
  return best;
}

/**
 * How far `parse` is from linear on `make(n)`: the smaller of (time / MAX_RATIO copies of the input)
 * and (time / MAX_GROWTH times the same parser on an input SMALL times shorter). Below 1 is linear.
 * The first reference absorbs parsers that refuse at once, the second parsers with a large constant
 * factor per line or field. A run far over the bounds is not noise and is not repeated (a quadratic
 * parser would take minutes).
 */
export function excess(parse: (input: string) => unknown, make: (n: number) => string, n = 100_000): number {
  const big = make(n);
  const small = make(Math.floor(n / SMALL));
  const copy = Math.max(
    fastest(() => void big.split("").join("")),
    0.05,
  );
  const smallMs = Math.max(
    fastest(() => void parse(small)),
    copy / SMALL,
  );
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const ms = timeOnce(() => void parse(big));
    best = Math.min(best, ms / copy / MAX_RATIO, ms / smallMs / MAX_GROWTH);
    if (best < 1 || ms / copy / MAX_RATIO > 20) break;
  }
  return best;
}
