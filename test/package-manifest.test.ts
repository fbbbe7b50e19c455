import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// What package.json promises about the platform, checked against what package-lock.json installs.
const ROOT = join(import.meta.dirname, "..");
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), "utf8"));
const manifest = read("package.json");
const lock = read("package-lock.json") as {
  packages: Record<string, { version?: string; engines?: { node?: string }; hasInstallScript?: boolean }>;
};
// semver is installed (through npm's own dependencies) but has no types here: the two calls we use.
const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};
const OLDEST_NODE = "20.19.0";
// cookie@2 declares Node 22 but is an ES module that Node 20.19 loads with require() (README).
const DECLARES_MORE_THAN_IT_NEEDS = new Set(["cookie"]);
const nameOf = (path: string) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

describe("package manifest", () => {
  it("requires Node 20.19, the oldest that runs the test harness's ES-module-only cookie@2", () => {
    expect(semver.minVersion(manifest.engines.node)?.version).toBe(OLDEST_NODE);
  });

  it("installs nothing that refuses the oldest Node it claims to support", () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, p]) => {
      const node = p.engines?.node;
      if (!path || !node || DECLARES_MORE_THAN_IT_NEEDS.has(nameOf(path))) return [];
      return semver.satisfies(OLDEST_NODE, node) ? [] : [`${nameOf(path)}@${p.version} needs node ${node}`];
    });
    expect(refusing).toEqual([]);
  });

  it("accepts no release that needs Node 22 (@simplewebauthn/server 14.1.0 does)", () => {
    expect(semver.satisfies("14.1.0", manifest.dependencies["@simplewebauthn/server"])).toBe(false);
  });

  it("approves, in allowScripts, every install script it installs (npm 11 warns, a later npm skips)", () => {
    const unapproved = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.hasInstallScript && manifest.allowScripts?.[nameOf(path)] !== true)
      .map(([path]) => nameOf(path));
    expect(unapproved).toEqual([]);
  });
});
