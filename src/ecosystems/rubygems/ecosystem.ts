import type { Ecosystem } from "../index.js";
import { assertValidGemName, isValidGemName, normalizeGemName, ultranormalizeGemName } from "./names.js";
import { canonicalGemVersion, compareGemVersions, isGemPrerelease } from "./version.js";

/** Ruby gems: RubyGems' own name and version rules, one spelling per lower-cased name. */
export const rubygems: Ecosystem = {
  name: "rubygems",
  label: "RubyGems",
  normalizeName: normalizeGemName,
  isValidName: isValidGemName,
  assertValidName: assertValidGemName,
  lookalikeKey: ultranormalizeGemName,
  compareVersions: compareGemVersions,
  isPrerelease: isGemPrerelease,
  canonicalVersion: canonicalGemVersion,
  /** The runtime dependencies a push stored (protocols/rubygems/push.ts releaseMetadata). */
  dependencies(metadata, self) {
    const deps = Array.isArray(metadata.dependencies) ? (metadata.dependencies as unknown[]) : [];
    const names = new Set<string>();
    for (const d of deps) {
      const dep = d as { name?: unknown; type?: unknown } | null;
      if (dep && typeof dep.name === "string" && dep.type === "runtime" && isValidGemName(dep.name))
        names.add(normalizeGemName(dep.name));
    }
    names.delete(self);
    return [...names];
  },
  latest(versions) {
    const sorted = [...versions].sort(compareGemVersions);
    const finals = sorted.filter((v) => !isGemPrerelease(v));
    return finals.at(-1) ?? sorted.at(-1) ?? null;
  },
};
