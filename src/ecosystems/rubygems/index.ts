/**
 * Ruby gems: names and platforms (RubyGems' specification policy), versions (Gem::Version) and the
 * gemspec YAML of a pushed gem, read without instantiating anything. Pure: the archive reader that
 * opens a .gem lives in `packages/archives/`.
 */

export {
  type GemIndexState,
  type IndexedGemFile,
  infoFile,
  infoLine,
  namesFile,
  nextVersionsLine,
  replayVersionsLines,
  versionsHeader,
  versionToken,
} from "./compact-index.js";
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
export { marshalDump, type RubyValue, sym } from "./marshal.js";
export {
  assertValidGemName,
  gemFilename,
  gemPlatformOf,
  isValidGemName,
  isValidPlatform,
  normalizeGemName,
} from "./names.js";
export { platformParts, specMarshal } from "./spec-marshal.js";
export { canonicalGemVersion, compareGemVersions, isGemPrerelease } from "./version.js";
