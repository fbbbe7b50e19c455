import { describe, expect, it } from "vitest";
import { ago, relativeAge } from "./format.js";

describe("relative ages", () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);
  it("says 'just now' under a minute and counts whole minutes under an hour", () => {
    expect(relativeAge(now, now - 59_000)).toBe("just now");
    expect(relativeAge(now, now - 60_000)).toBe("1 min");
    expect(relativeAge(now, now - 65_000)).toBe("1 min");
    expect(relativeAge(now, now - 59 * 60_000)).toBe("59 min");
  });
  it("counts whole hours under a day and whole days after", () => {
    expect(relativeAge(now, now - 60 * 60_000)).toBe("1 h");
    expect(relativeAge(now, now - 23 * 3_600_000 - 59 * 60_000)).toBe("23 h");
    expect(relativeAge(now, now - 24 * 3_600_000)).toBe("1 d");
    expect(relativeAge(now, now - 10 * 86_400_000)).toBe("10 d");
  });
  it("never reads a future moment (clock skew between instances) as negative", () => {
    expect(relativeAge(now, now + 5_000)).toBe("just now");
  });
  it("phrases it for sentences", () => {
    expect(ago(now, now - 5_000)).toBe("just now");
    expect(ago(now, now - 5 * 60_000)).toBe("5 min ago");
  });
});
