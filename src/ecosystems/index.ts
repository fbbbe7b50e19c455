/**
 * The packaging models the registry serves, one folder each (`pypi/`, `npm/`, `rubygems/`). An ecosystem is the
 * rules for names and versions: which names may exist, which spellings mean the same project, how
 * versions order and which one a client picks when none is pinned. Protocols (HTTP dialects), pages
 * and domain code ask these rules through `ecosystemFor`, so a third ecosystem is one more folder
 * plus one line in ECOSYSTEMS.
 *
 * Everything here is pure: no files, network or database (src/architecture.test.ts enforces it), so
 * the rules can run anywhere, including before a byte of an upload is read.
 */
import { npm } from "./npm/ecosystem.js";
import { pypi } from "./pypi/ecosystem.js";
import { rubygems } from "./rubygems/ecosystem.js";

export interface Ecosystem {
  readonly name: EcosystemName;
  /** The key under which a project is stored and looked up: spellings that name the same project agree. */
  normalizeName(name: string): string;
  isValidName(name: string): boolean;
  /** Throws the ecosystem's catalogue error (a 4xx AppError) that says why a name is refused. */
  assertValidName(name: string): void;
  /**
   * The stricter key that refuses a *new* name looking like an existing one (typosquatting); only
   * for names that passed assertValidName.
   */
  lookalikeKey(name: string): string;
  /** Precedence order, negative when a is older; for versions the ecosystem accepted. */
  compareVersions(a: string, b: string): number;
  isPrerelease(version: string): boolean;
  /** The one spelling a version is stored under; throws the catalogue error for an invalid one. */
  canonicalVersion(version: string): string;
  /** What a client installs when no version is pinned: the newest final release, else the newest. */
  latest(versions: readonly string[]): string | null;
  /**
   * The projects (normalized names, distinct, `self` excluded) a user of a release installs with it,
   * read from the release's stored metadata: criticality by dependents counts these edges. npm:
   * dependencies, peer and optional dependencies; PyPI: Requires-Dist without extras. A RubyGems
   * ecosystem returns its runtime dependencies.
   */
  dependencies(metadata: Record<string, unknown>, self: string): string[];
}

export type EcosystemName = "pypi" | "npm" | "rubygems";

/** Typed as a Record so that a name added to EcosystemName without an implementation does not compile. */
const ECOSYSTEMS: Record<EcosystemName, Ecosystem> = { pypi, npm, rubygems };

export function ecosystemFor(name: EcosystemName): Ecosystem {
  return ECOSYSTEMS[name];
}
