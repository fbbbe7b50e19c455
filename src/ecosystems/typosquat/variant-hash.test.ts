import { describe, expect, it } from "vitest";
import { deletion2Hashes, deletionHashes, variantHash } from "./variant-hash.js";

const drop = (s: string, ...at: number[]) => [...s].filter((_, k) => !at.includes(k)).join("");

describe("deletion variants hashed in place equal the hashes of the variant strings", () => {
  it.each(["requests", "aab", "googlecloudstorage", "x", "", "rеquеsts", "mississippi"])("%s", (s) => {
    const one = new Set<number>();
    const two = new Set<number>();
    for (let i = 0; i < s.length; i++) {
      one.add(variantHash(drop(s, i)));
      for (let j = i + 1; j < s.length; j++) two.add(variantHash(drop(s, i, j)));
    }
    expect(new Set(deletionHashes(s))).toEqual(one);
    expect(deletionHashes(s)).toHaveLength(one.size);
    expect(new Set(deletion2Hashes(s))).toEqual(two);
    expect(deletion2Hashes(s)).toHaveLength(two.size);
  });

  it("spreads short names over the top bits the table's buckets use", () => {
    const tops = new Set<number>();
    for (let i = 0; i < 4096; i++) tops.add(variantHash(`n${i}`) >>> 16);
    expect(tops.size).toBeGreaterThan(3900);
  });
});
