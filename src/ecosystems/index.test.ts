import { describe, expect, it } from "vitest";
import { AppError } from "../lib/errors.js";
import { ecosystemFor } from "./index.js";

describe("ecosystems: one interface, each ecosystem's own rules", () => {
  const pypi = ecosystemFor("pypi");
  const npm = ecosystemFor("npm");

  it("looks up each ecosystem by the name stored with its projects", () => {
    expect(pypi.name).toBe("pypi");
    expect(npm.name).toBe("npm");
  });

  it("normalizes names by PEP 503 for PyPI and keeps npm names as published", () => {
    expect(pypi.normalizeName("Foo__Bar.baz")).toBe("foo-bar-baz");
    expect(npm.normalizeName("@scope/left-pad")).toBe("@scope/left-pad");
  });

  it("refuses invalid names with a 4xx the client shows, and agrees with isValidName", () => {
    for (const [eco, good, bad] of [
      [pypi, "requests", "-bad-"],
      [npm, "@s/pkg", "Upper"],
    ] as const) {
      expect(eco.isValidName(good)).toBe(true);
      expect(eco.isValidName(bad)).toBe(false);
      expect(() => eco.assertValidName(good)).not.toThrow();
      let thrown: unknown;
      try {
        eco.assertValidName(bad);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).status).toBe(400);
    }
    // The npm refusal keeps the code and message the npm CLI already showed.
    expect(() => npm.assertValidName("http")).toThrow(
      /Invalid package name 'http': that is the name of a Node.js core module\./,
    );
  });

  it("folds look-alikes to one key in both ecosystems", () => {
    expect(pypi.lookalikeKey("co1ors")).toBe(pypi.lookalikeKey("Colors"));
    expect(npm.lookalikeKey("cross-env")).toBe(npm.lookalikeKey("crossenv"));
  });

  it("orders versions by PEP 440 and by SemVer, where the two differ", () => {
    const pep = ["1.0", "1.0rc1", "1.0.post1", "1.0.dev0", "0.9"].sort(pypi.compareVersions);
    expect(pep).toEqual(["0.9", "1.0.dev0", "1.0rc1", "1.0", "1.0.post1"]);
    const sem = ["1.0.0", "1.0.0-beta.11", "1.0.0-beta.2", "0.9.0"].sort(npm.compareVersions);
    expect(sem).toEqual(["0.9.0", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0"]);
  });

  it("stores one spelling of each version and refuses what is not one", () => {
    expect(pypi.canonicalVersion("1.0.0RC1")).toBe("1.0.0rc1");
    expect(npm.canonicalVersion("1.2.3+build.5")).toBe("1.2.3");
    expect(() => pypi.canonicalVersion("not a version")).toThrow(AppError);
    expect(() => npm.canonicalVersion("v1.2.3")).toThrow(/Invalid version/);
  });

  it("picks as latest the newest final release, else the newest pre-release", () => {
    expect(pypi.latest(["1.0", "2.0b1", "1.1"])).toBe("1.1");
    expect(pypi.latest(["2.0b1", "2.0a1"])).toBe("2.0b1");
    expect(npm.latest(["1.0.0", "2.0.0-beta.1", "1.5.0"])).toBe("1.5.0");
    expect(npm.latest(["2.0.0-beta.1"])).toBe("2.0.0-beta.1");
    expect(pypi.isPrerelease("1.0.dev1")).toBe(true);
    expect(npm.isPrerelease("1.0.0-rc.1")).toBe(true);
    expect(pypi.latest([])).toBeNull();
    expect(npm.latest([])).toBeNull();
  });
});
