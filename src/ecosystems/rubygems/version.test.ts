import { describe, expect, it } from "vitest";
import { ecosystemFor } from "../index.js";

const gems = ecosystemFor("rubygems");

describe("rubygems: Gem::Version and gem names", () => {
  it("orders versions as Gem::Version does: letters before numbers, trailing zeros ignored", () => {
    const sorted = ["1.0", "1.0.a", "1.0.0.rc1", "0.9.10", "0.9.9", "1.0.1", "1.0.b1"].sort(
      gems.compareVersions,
    );
    expect(sorted).toEqual(["0.9.9", "0.9.10", "1.0.a", "1.0.b1", "1.0.0.rc1", "1.0", "1.0.1"]);
    expect(gems.compareVersions("1.0", "1.0.0")).toBe(0);
  });

  it("stores a '-' prerelease the way Gem::Version spells it, and refuses what is not a version", () => {
    expect(gems.canonicalVersion("1.0.0-beta1")).toBe("1.0.0.pre.beta1");
    expect(gems.isPrerelease("1.0.0.pre.beta1")).toBe(true);
    expect(gems.isPrerelease("1.0.0")).toBe(false);
    expect(() => gems.canonicalVersion("v1")).toThrow(/Invalid gem version 'v1'/);
    expect(gems.latest(["1.0.0", "2.0.0.rc1", "1.1"])).toBe("1.1");
  });

  it("accepts RubyGems' names, keys them case-insensitively and folds look-alikes", () => {
    expect(gems.isValidName("net-http_persistent.2")).toBe(true);
    for (const bad of ["_x", ".x", "123", "a b", "ä"]) expect(gems.isValidName(bad)).toBe(false);
    expect(gems.normalizeName("Rack")).toBe("rack");
    expect(gems.lookalikeKey("rai1s")).toBe(gems.lookalikeKey("rails"));
    expect(gems.lookalikeKey("rack_test")).toBe(gems.lookalikeKey("rack-test"));
  });
});
