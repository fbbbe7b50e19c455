import { distErrors, shown } from "./errors.js";
import { parseVersion } from "./version.js";

/**
 * PEP 440 "Version specifiers". Requires-Python is copied verbatim into the simple API
 * (data-requires-python / "requires-python"); pip >= 22 refuses to consider any file whose specifier
 * it cannot parse, so a bad value uploaded once breaks installs of the project for everyone.
 */
/** Longest Requires-Python accepted in an upload (form or METADATA); real ones are a few clauses. */
export const MAX_REQUIRES_PYTHON_LENGTH = 512;

const OPERATOR = /^(===|~=|==|!=|<=|>=|<|>)[ \t]*(.*)$/;
/** Prefix match ("==3.8.*"): only a release (with optional epoch) may precede ".*". */
const WILDCARD = /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*\.\*$/i;
/** '===' (arbitrary equality) compares strings; it still may not contain whitespace, ',', ';' or ')'. */
const ARBITRARY = /^[^\s,;)]+$/;

function invalid(spec: string, why: string): never {
  throw distErrors.REQUIRES_PYTHON_INVALID(`Invalid Requires-Python '${shown(spec)}': ${why}`);
}

function checkOne(spec: string, clause: string): string {
  const match = OPERATOR.exec(clause);
  if (!match) {
    invalid(spec, `'${shown(clause, 40)}' does not start with a comparison operator such as '>='`);
  }
  const op = match[1]!;
  const text = match[2]!;
  if (text === "") invalid(spec, `'${shown(clause, 40)}' has no version`);
  if (op === "===") {
    if (!ARBITRARY.test(text)) invalid(spec, `'${shown(clause, 40)}' is not a valid specifier`);
    return `${op}${text}`;
  }
  if (text.endsWith(".*")) {
    // PEP 440: prefix matching is only defined for '==' and '!='.
    if (op !== "==" && op !== "!=") invalid(spec, `'.*' is only allowed with '==' and '!='`);
    if (!WILDCARD.test(text)) invalid(spec, `'${shown(clause, 40)}' is not a valid prefix match`);
    return `${op}${text}`;
  }
  let version: ReturnType<typeof parseVersion>;
  try {
    version = parseVersion(text);
  } catch {
    invalid(spec, `'${shown(text, 40)}' is not a valid PEP 440 version`);
  }
  // Local versions ("+abc") only make sense for exact (in)equality.
  if (version.local && op !== "==" && op !== "!=") {
    invalid(spec, `local versions are only allowed with '==' and '!='`);
  }
  // "~=3" would mean ">=3, ==*": PEP 440 requires at least two release segments.
  if (op === "~=" && version.release.length < 2) {
    invalid(spec, `'~=' needs at least two version components, e.g. '~=3.8'`);
  }
  return `${op}${text}`;
}

/**
 * Validates a PEP 440 specifier set such as ">=3.8,<4" and returns it with whitespace around the
 * operators and commas removed (the clauses and their order are kept as written). An empty string
 * is refused: callers treat an empty form field as "not given" before calling this.
 */
export function validateRequiresPython(spec: string): string {
  const trimmed = spec.trim();
  if (trimmed === "") invalid(spec, "it is empty");
  if (/[^\x20-\x7e\t]/.test(trimmed)) invalid(spec, "only printable ASCII is allowed");
  // Empty clauses (">=3.8,") are skipped, as packaging does, so what pip accepts is accepted here.
  const clauses = trimmed
    .split(",")
    .map((clause) => clause.trim())
    .filter((clause) => clause !== "");
  if (clauses.length === 0) invalid(spec, "it has no version clause");
  return clauses.map((clause) => checkOne(spec, clause)).join(",");
}
