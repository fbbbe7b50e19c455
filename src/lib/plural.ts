/*
 * Counted nouns for pages and mail: "1 day", "2 days", never "1 days" nor "day(s)" (a new user reads
 * "(s)" as a form that was never finished).
 */

/** The noun alone, singular for exactly one. */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** The count and its noun: "1 session", "3 sessions". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${noun(n, one, many)}`;
}
