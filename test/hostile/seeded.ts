import { mulberry32 } from "../../src/test-support/index.js";

/**
 * A small seeded PRNG for the generated campaigns (fuzz, SIGKILL, soak): the seed is printed, and
 * `WHARF_HOSTILE_SEED=<n>` replays the same requests in the same order.
 */
export interface Rng {
  seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  bytes(n: number): Buffer;
}

/** A case's generator over mulberry32 (test-support), with the helpers the generators use. */
export function rngFrom(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    pick: (items) => items[int(items.length)]!,
    chance: (p) => next() < p,
    bytes(n) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}

/** The campaign's seed: WHARF_HOSTILE_SEED when replaying, otherwise a fresh one (printed by the caller). */
export function campaignSeed(): number {
  const given = process.env.WHARF_HOSTILE_SEED;
  if (given !== undefined && given !== "") {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`WHARF_HOSTILE_SEED must be a non-negative integer: ${given}`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** A seeded generator for one case: the campaign seed mixed with the case name, so cases do not share a stream. */
export function rngFor(seed: number, caseName: string): Rng {
  let h = seed >>> 0;
  for (let i = 0; i < caseName.length; i++) h = Math.imul(h ^ caseName.charCodeAt(i), 0x01000193) >>> 0;
  return rngFrom(h);
}
