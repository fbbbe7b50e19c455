import type { GemSpec, Requirement } from "./gemspec.js";
import { marshalDump, type RubyValue, sym } from "./marshal.js";

/**
 * A gemspec as `Marshal.dump(spec)` writes it, for `quick/Marshal.4.8/<name>-<version>.gemspec.rz`
 * (gem install fetches it for the version it picked). Gem::Specification#_dump writes a Marshal'd
 * array of 19 fields (rubygems/specification.rb `_dump`/`_load`); Gem::Version and Gem::Requirement
 * use `marshal_dump`; Gem::Dependency and Gem::Platform are plain objects.
 */

/** The `rubygems_version` field: the RubyGems that wrote the spec; clients only keep it. */
const WRITER_RUBYGEMS_VERSION = "3.3.15";
const SPECIFICATION_VERSION = 4;

const gemVersion = (v: string): RubyValue => ({ kind: "marshal_dump", className: "Gem::Version", data: [v] });

function gemRequirement(r: Requirement): RubyValue {
  const pairs: RubyValue[] = (r.length === 0 ? [[">=", "0"] as const] : r).map(([op, v]) => [
    op,
    gemVersion(v),
  ]);
  return { kind: "marshal_dump", className: "Gem::Requirement", data: [pairs] };
}

/**
 * Gem::Platform.new(string)'s instance variables for the platforms gems are pushed with:
 * `java` → (nil, java, nil); `x86_64-linux` → (x86_64, linux, nil); `arm64-darwin-22`,
 * `x86_64-linux-musl`, `x64-mingw-ucrt` → (cpu, os, version); i386..i686 are called x86.
 */
export function platformParts(platform: string): [string | null, string, string | null] {
  const [first = "", os, ...rest] = platform.split("-");
  if (os === undefined) return [null, first, null];
  const cpu = /^i\d86$/.test(first) ? "x86" : first;
  return [cpu, os, rest.length > 0 ? rest.join("-") : null];
}

function gemPlatform(platform: string): RubyValue {
  if (platform === "ruby") return "ruby";
  const [cpu, os, version] = platformParts(platform);
  return {
    kind: "object",
    className: "Gem::Platform",
    ivars: [
      ["cpu", cpu],
      ["os", os],
      ["version", version],
    ],
  };
}

/** `Marshal.dump(spec)`: a `_dump` object wrapping the Marshal'd field array. */
export function specMarshal(spec: GemSpec): Buffer {
  const dependencies: RubyValue[] = spec.dependencies.map((d) => ({
    kind: "object",
    className: "Gem::Dependency",
    ivars: [
      ["name", d.name],
      ["requirement", gemRequirement(d.requirement)],
      ["type", sym(d.type)],
      ["prerelease", false],
      ["version_requirements", gemRequirement(d.requirement)],
    ],
  }));
  const fields: RubyValue[] = [
    WRITER_RUBYGEMS_VERSION,
    SPECIFICATION_VERSION,
    spec.name,
    gemVersion(spec.version),
    null, // date: the loader takes today
    spec.summary,
    gemRequirement(spec.requiredRubyVersion),
    gemRequirement(spec.requiredRubygemsVersion),
    spec.platform,
    dependencies,
    "", // rubyforge_project, kept for the field positions
    null, // email: not shown by installers
    spec.authors,
    spec.description,
    spec.homepage,
    true, // has_rdoc
    gemPlatform(spec.platform),
    spec.licenses,
    { kind: "hash", entries: Object.entries(spec.metadata) },
  ];
  return marshalDump({ kind: "_dump", className: "Gem::Specification", bytes: marshalDump(fields) });
}
