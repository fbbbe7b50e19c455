/**
 * The Python packaging model: project names (PEP 503), versions (PEP 440), file names (PEP 427/491,
 * PEP 625) and core metadata. Pure: no HTTP, no database, no files (the archive readers that open
 * uploads live in `packages/archives/`); every refusal is an AppError from `distErrors`.
 */

export { pypi } from "./ecosystem.js";
export { distErrors } from "./errors.js";
export type { ParsedDistFilename } from "./filenames.js";
export { filenameMatches, MAX_FILENAME_LENGTH, parseDistFilename } from "./filenames.js";
export type { CoreMetadata } from "./metadata.js";
export { checkMetadataAgainstForm, parseCoreMetadata } from "./metadata.js";
export {
  assertValidProjectName,
  isValidProjectName,
  MAX_PROJECT_NAME_LENGTH,
  normalizeName,
  ultranormalizeName,
} from "./names.js";
export { MAX_REQUIRES_PYTHON_LENGTH, validateRequiresPython } from "./specifiers.js";
export type { Version } from "./version.js";
export {
  canonicalVersion,
  compareVersions,
  formatVersion,
  isPrerelease,
  MAX_VERSION_LENGTH,
  parseVersion,
} from "./version.js";
