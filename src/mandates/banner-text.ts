import { DAY } from "../lib/clock.js";
import type { Phase } from "./store.js";

export type BannerPhase = Exclude<Phase, "scheduled">;

export interface BannerFacts {
  phase: BannerPhase;
  /** "your projects", or up to three project names and "and N more". */
  where: string;
  /** What the mandate asks for, e.g. "two-factor authentication" (mfa/strength.ts). */
  need: string;
  /** The mandate's name, so a maintainer can tell two mandates apart. */
  name: string;
  enforceAt: number;
  now: number;
}

/** 1 January 2027: the month spelled out, so no reader confuses day and month (UTC, as the dates are set). */
export const longDate = (ms: number) =>
  new Date(ms).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });

/** Whole days until `at`, rounded up: a deadline 25 hours away is "2 days", never "1 day" too early. */
export const daysUntil = (at: number, now: number) => Math.max(0, Math.ceil((at - now) / DAY));

const days = (n: number) => (n === 1 ? "1 day" : `${n} days`);

/**
 * The banner sentence for one phase. The three phases used to share one sentence in different tints
 * (issue 14 item 7); each now says what changes for the maintainer and when: notice announces the
 * date, warn counts down to the last day publishing works, enforce says publishing is blocked now.
 */
export function bannerText(f: BannerFacts): string {
  const left = daysUntil(f.enforceAt, f.now);
  const date = longDate(f.enforceAt);
  switch (f.phase) {
    case "notice":
      return `From ${date} (in ${days(left)}), publishing to ${f.where} will need ${f.need} (${f.name}). Setting it up now takes a minute.`;
    case "warn":
      return `Publishing to ${f.where} needs ${f.need} soon (${f.name}): you can publish until ${date} (${days(left)} left). Set it up before then to keep publishing.`;
    case "enforce":
      return `Publishing to ${f.where} is blocked until you enable ${f.need} (${f.name}).`;
  }
}

/**
 * The word that tells the phases apart without colour. The symbol is the stylesheet's (one icon per
 * banner, as on every alert); a second one in the text read as a duplicate.
 */
export const BANNER_LABELS: Record<BannerPhase, { word: string }> = {
  notice: { word: "Notice" },
  warn: { word: "Deadline" },
  enforce: { word: "Blocked" },
};
