/**
 * The packaging models the registry serves, one folder each (`pypi/`, `npm/`, `rubygems/`). An ecosystem is the
 * rules for names and versions: which names may exist, which spellings mean the same project, how
 * versions order and which one a client picks when none is pinned. Protocols (HTTP dialects), pages
 * and domain code ask these rules through `ecosystemFor`; every list of ecosystems (mandate and
 * criticality forms, statistics, the JSON API, CLI options) is ECOSYSTEM_NAMES, so a fourth ecosystem
 * is one more folder plus one entry there and in ECOSYSTEMS.
 *
 * Everything here is pure: no files, network or database (src/architecture.test.ts enforces it), so
 * the rules can run anywhere, including before a byte of an upload is read.
 */
import { npm } from "./npm/ecosystem.js";
import { pypi } from "./pypi/ecosystem.js";
import { rubygems } from "./rubygems/ecosystem.js";

export interface Ecosystem {
  readonly name: EcosystemName;
  /** How pages and messages name it: "PyPI", "npm", "RubyGems". */
  readonly label: string;
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

/** Every ecosystem the registry serves, in the order pages list them. */
export const ECOSYSTEM_NAMES = ["pypi", "npm", "rubygems"] as const;
export type EcosystemName = (typeof ECOSYSTEM_NAMES)[number];

export function isEcosystemName(s: string): s is EcosystemName {
  return (ECOSYSTEM_NAMES as readonly string[]).includes(s);
}

/** "pypi, npm or rubygems": for usage and error messages that list the accepted values. */
export const ECOSYSTEM_CHOICES = `${ECOSYSTEM_NAMES.slice(0, -1).join(", ")} or ${ECOSYSTEM_NAMES.at(-1)}`;

/** Typed as a Record so that a name added to EcosystemName without an implementation does not compile. */
const ECOSYSTEMS: Record<EcosystemName, Ecosystem> = { pypi, npm, rubygems };

export function ecosystemFor(name: EcosystemName): Ecosystem {
  return ECOSYSTEMS[name];
}
