import { describe, expect, it } from "vitest";
import { journalFilename, parsePackageName, ultranormalizePackageName } from "./names.js";
import { cleanVersion, compareSemver, highestVersion } from "./semver.js";

describe("npm names and versions", () => {
  it("accepts npm's valid new names and refuses the rest with a reason", () => {
    for (const ok of ["a", "left-pad", "@scope/pkg", "a.b_c-d", "x".repeat(214)])
      expect(parsePackageName(ok).name).toBe(ok);
    const why = (n: string) => {
      try {
        parsePackageName(n);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(why("Upper")).toMatch(/lower case/);
    expect(why("http")).toMatch(/core module/);
    expect(why("node_modules")).toMatch(/reserved/);
    expect(why("_x")).toMatch(/start with/);
    expect(why("a/b")).toMatch(/URL-safe/);
    expect(why("@s/")).toMatch(/scoped name/);
    expect(why("café")).toMatch(/URL-safe/);
    expect(why("x".repeat(215))).toMatch(/214/);
  });

  it("folds look-alikes together and keeps journal names unambiguous", () => {
    expect(ultranormalizePackageName(parsePackageName("cross-env"))).toBe(
      ultranormalizePackageName(parsePackageName("crossenv")),
    );
    expect(ultranormalizePackageName(parsePackageName("colors"))).toBe(
      ultranormalizePackageName(parsePackageName("co1ors")),
    );
    expect(journalFilename("a-1.0.0", "1.0.0")).not.toBe(journalFilename("a", "1.0.0-1.0.0"));
    expect(journalFilename("@s/p", "1.0.0")).toBe("@s+p@1.0.0.tgz");
  });

  it("cleans and orders semantic versions", () => {
    expect(cleanVersion("1.2.3+build.5")).toBe("1.2.3");
    for (const bad of ["1.2", "v1.2.3", "01.2.3", "1.2.3-", "", "1.2.3.4"])
      expect(() => cleanVersion(bad)).toThrow(/Invalid version/);
    const sorted = [
      "1.0.0",
      "1.0.0-rc.1",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-beta.11",
      "1.0.0-beta.2",
      "0.9.0",
    ].sort(compareSemver);
    expect(sorted).toEqual([
      "0.9.0",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ]);
    expect(highestVersion(["1.0.0", "2.0.0-beta.1", "1.5.0"])).toBe("1.5.0");
    expect(highestVersion(["2.0.0-beta.1"])).toBe("2.0.0-beta.1");
  });
});
