import type { Ecosystem } from "../index.js";
import { npmDependencies } from "./dependencies.js";
import { parsePackageName, ultranormalizePackageName } from "./names.js";
import { cleanVersion, compareSemver, highestVersion, isPrerelease } from "./semver.js";

/**
 * npm packages. A valid npm name is already its only spelling (lower case is required, not folded:
 * npm itself refuses `Foo` for new packages), so normalizing is the identity.
 */
export const npm: Ecosystem = {
  name: "npm",
  label: "npm",
  normalizeName: (name) => name,
  isValidName(name) {
    try {
      parsePackageName(name);
      return true;
    } catch {
      return false;
    }
  },
  assertValidName(name) {
    parsePackageName(name);
  },
  lookalikeKey: (name) => ultranormalizePackageName(parsePackageName(name)),
  compareVersions: compareSemver,
  isPrerelease,
  canonicalVersion: cleanVersion,
  latest: (versions) => highestVersion([...versions]),
  dependencies: npmDependencies,
};
