import type { Ecosystem } from "../index.js";
import { assertValidProjectName, isValidProjectName, normalizeName, ultranormalizeName } from "./names.js";
import { pypiDependencies } from "./requirements.js";
import { canonicalVersion, compareVersions, isPrerelease } from "./version.js";

/** Python packages: PEP 503 names, PEP 440 versions. */
export const pypi: Ecosystem = {
  name: "pypi",
  label: "PyPI",
  normalizeName,
  isValidName: isValidProjectName,
  assertValidName: assertValidProjectName,
  lookalikeKey: ultranormalizeName,
  compareVersions: (a, b) => compareVersions(a, b),
  isPrerelease: (v) => isPrerelease(v),
  canonicalVersion: (v) => canonicalVersion(v),
  // What pip installs without a pin: pre-releases only when nothing else exists (PEP 440 "Handling
  // of pre-releases").
  latest(versions) {
    const sorted = [...versions].sort(compareVersions);
    return sorted.filter((v) => !isPrerelease(v)).at(-1) ?? sorted.at(-1) ?? null;
  },
  dependencies: pypiDependencies,
};
