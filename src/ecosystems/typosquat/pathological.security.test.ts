import { describe, expect, it } from "vitest";
import { topPypiNames } from "../../test-support/index.js";
import { normalizeName } from "../pypi/index.js";
import { TyposquatIndex } from "./index.js";

/**
 * Valid but hostile names get an answer in bounded time (issue 18, "Bad input"): very long names, all
 * separators, repeated letters (many equal deletions), mixed scripts. The whole real top 15,000 is
 * protected, so every lookup meets a crowded index.
 */
describe("pathological names are checked in bounded time", () => {
  const index = new TyposquatIndex(topPypiNames(), normalizeName);
  const hostile = [
    "a".repeat(200),
    `a${"-".repeat(198)}b`,
    `${"a-".repeat(99)}a`,
    "x".repeat(40) + "y".repeat(2),
    "googlecloudstoragegooglecloudstorage",
    "ab".repeat(21),
    "rеquеsts-ѕеtuрtооls-ԁјаngо-", // Cyrillic look-alikes throughout
    "𝐫𝐞𝐪𝐮𝐞𝐬𝐭𝐬".repeat(10),
    "i1l|I".repeat(40),
  ];
  it.each(hostile.map((n) => [n.slice(0, 24), n]))("%s… answers within 250 ms", (_label, name) => {
    const t0 = performance.now();
    index.match(name);
    expect(performance.now() - t0).toBeLessThan(250);
  });

  // Generous bounds: the suite runs on a shared 2-core machine (seen at load 22); a quadratic or
  // exponential blow-up would take seconds to minutes per name, not milliseconds.
  it("a hundred hostile checks in a row take seconds at most", () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) for (const n of hostile) index.match(`${n}${i}`);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
