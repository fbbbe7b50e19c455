import type { Ecosystem } from "../index.js";
import { assertValidGemName, isValidGemName, normalizeGemName, ultranormalizeGemName } from "./names.js";
import { canonicalGemVersion, compareGemVersions, isGemPrerelease } from "./version.js";

/** Ruby gems: RubyGems' own name and version rules, one spelling per lower-cased name. */
export const rubygems: Ecosystem = {
  name: "rubygems",
  normalizeName: normalizeGemName,
  isValidName: isValidGemName,
  assertValidName: assertValidGemName,
  lookalikeKey: ultranormalizeGemName,
  compareVersions: compareGemVersions,
  isPrerelease: isGemPrerelease,
  canonicalVersion: canonicalGemVersion,
  latest(versions) {
    const sorted = [...versions].sort(compareGemVersions);
    const finals = sorted.filter((v) => !isGemPrerelease(v));
    return finals.at(-1) ?? sorted.at(-1) ?? null;
  },
};
