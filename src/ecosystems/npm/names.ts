import { builtinModules } from "node:module";
import { npmNameErrors } from "./errors.js";

/** npm's limit (validate-npm-package-name): longer names break file systems and URLs. */
export const MAX_NAME_LENGTH = 214;
const BLOCKED = new Set(["node_modules", "favicon.ico"]);
const CORE = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));

export interface PackageName {
  /** As published: `name` or `@scope/name`, lower case. */
  name: string;
  scope: string | null;
  /** The part after the scope (the tarball's base name). */
  bare: string;
}

/** One side of a scoped name, or an unscoped name: URL-safe, lower case, no leading dot or underscore. */
function partProblem(part: string): string | null {
  if (!part) return "must not be empty";
  if (part !== part.trim()) return "must not start or end with spaces";
  if (/^[._]/.test(part)) return "must not start with '.' or '_'";
  if (part !== part.toLowerCase()) return "must be lower case";
  if (/[~'!()*]/.test(part)) return "must not contain the characters ~'!()*";
  if (encodeURIComponent(part) !== part) return "may only contain URL-safe characters";
  return null;
}

/**
 * npm's rules for new packages (validate-npm-package-name's validForNewPackages): a name is 1-214
 * characters, lower case and URL-safe, and neither a Node.js core module nor a reserved name (a
 * package called `fs` or `http` would shadow the built-in module for anyone who mistypes an import).
 */
export function parsePackageName(raw: string): PackageName {
  const bad = (why: string) =>
    npmNameErrors.NAME_INVALID(`Invalid package name '${raw.slice(0, 240)}': ${why}.`);
  if (typeof raw !== "string" || raw.length === 0) throw bad("it is empty");
  if (raw.length > MAX_NAME_LENGTH) throw bad(`names are at most ${MAX_NAME_LENGTH} characters`);
  const m = /^@([^/]+)\/([^/]+)$/.exec(raw);
  if (raw.startsWith("@") && !m) throw bad("a scoped name looks like @scope/name");
  const scope = m ? m[1]! : null;
  const bare = m ? m[2]! : raw;
  for (const [what, part] of [
    ["the scope", scope],
    ["the name", bare],
  ] as const) {
    if (part === null) continue;
    const problem = partProblem(part);
    if (problem) throw bad(`${what} ${problem}`);
  }
  if (!scope && BLOCKED.has(bare)) throw bad("that name is reserved");
  if (!scope && CORE.has(bare)) throw bad("that is the name of a Node.js core module");
  return { name: raw, scope, bare };
}

/**
 * The key refusing look-alike *new* names (typosquatting), as for PyPI: separators dropped, then l/i
 * and o folded to the digits they resemble. "cross-env" and "crossenv" collide; so do "co1ors" and
 * "colors". The scope stays as it is: it names an owner, and owners are checked separately.
 */
export function ultranormalizePackageName(p: PackageName): string {
  const fold = (s: string) => s.replace(/[-._]/g, "").replace(/[li]/g, "1").replace(/o/g, "0");
  return p.scope ? `@${p.scope}/${fold(p.bare)}` : fold(p.bare);
}

/**
 * The file name kept in the files table and the never-reuse journal. `name@version.tgz` with the scope's
 * slash as '+' is unambiguous (neither '+' nor a second '@' can occur in a name, nor '@' in a version),
 * where npm's `name-version.tgz` is not: `a-1.0.0@1.0.0` and `a@1.0.0-1.0.0` would share a file name.
 */
export function journalFilename(name: string, version: string): string {
  return `${name.replace("/", "+")}@${version}.tgz`;
}

/** The tarball's base name in URLs, as npm builds it: `<bare name>-<version>.tgz`. */
export function tarballBasename(p: PackageName, version: string): string {
  return `${p.bare}-${version}.tgz`;
}
