/**
 * Ruby gems: names and platforms (RubyGems' specification policy), versions (Gem::Version) and the
 * gemspec YAML of a pushed gem, read without instantiating anything. Pure: the archive reader that
 * opens a .gem lives in `packages/archives/`.
 */
export { rubygems } from "./ecosystem.js";
export { gemFileErrors, gemspecErrors, rubygemsNameErrors } from "./errors.js";
export {
  formatRequirement,
  type GemDependency,
  type GemSpec,
  MAX_GEMSPEC_SIZE,
  parseGemspec,
  type Requirement,
} from "./gemspec.js";
export { assertValidGemName, gemFilename, isValidPlatform, normalizeGemName } from "./names.js";
export { canonicalGemVersion, compareGemVersions, isGemPrerelease } from "./version.js";
