import { describe, expect, it } from "vitest";
import { DAY, HOUR } from "../lib/clock.js";
import { bannerText, daysUntil, longDate } from "./banner-text.js";

const enforceAt = Date.UTC(2027, 0, 15); // 15 January 2027, 00:00 UTC
const facts = { where: "crit-pkg", need: "two-factor authentication", name: "Critical projects", enforceAt };

describe("mandate banner text by phase", () => {
  it("announces the date and the days to go in the notice phase", () => {
    expect(bannerText({ ...facts, phase: "notice", now: enforceAt - 42 * DAY })).toBe(
      "From 15 January 2027 (in 42 days), publishing to crit-pkg will need two-factor authentication (Critical projects). Setting it up now takes a minute.",
    );
  });

  it("counts down to the last day publishing works in the warn phase", () => {
    expect(bannerText({ ...facts, phase: "warn", now: enforceAt - 3 * DAY })).toBe(
      "Publishing to crit-pkg needs two-factor authentication soon (Critical projects): you can publish until 15 January 2027 (3 days left). Set it up before then to keep publishing.",
    );
    expect(bannerText({ ...facts, phase: "warn", now: enforceAt - 5 * HOUR })).toContain("(1 day left)");
  });

  it("says publishing is blocked, with no date, once enforced", () => {
    const text = bannerText({ ...facts, phase: "enforce", now: enforceAt + DAY });
    expect(text).toBe(
      "Publishing to crit-pkg is blocked until you enable two-factor authentication (Critical projects).",
    );
    expect(text).not.toMatch(/days?\b/);
  });

  it("never counts a partial day down early, nor below zero", () => {
    expect(daysUntil(enforceAt, enforceAt - 25 * HOUR)).toBe(2);
    expect(daysUntil(enforceAt, enforceAt + HOUR)).toBe(0);
    expect(longDate(Date.UTC(2026, 11, 31, 23, 59))).toBe("31 December 2026");
  });
});
