import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from "yaml";
import { gemspecErrors } from "./errors.js";
import { assertValidGemName, assertValidPlatform } from "./names.js";
import { canonicalGemVersion } from "./version.js";

/**
 * The gemspec inside a .gem's metadata.gz, read SAFELY. The YAML is written by whoever pushes, and
 * Ruby's YAML loaders turn `!ruby/object:Anything` into an instance of Anything (the classic
 * deserialisation gadget). Here nothing is instantiated: the document is parsed with the YAML 1.2 core
 * schema plus exactly four tag names, and then read by position: `Gem::Specification` only at the
 * root, `Gem::Version` only where a version goes, `Gem::Requirement` only where a requirement goes,
 * `Gem::Dependency` only as a member of `dependencies`. Any other tag, anywhere, refuses the gem.
 */

export type RequirementOp = "=" | "!=" | ">" | "<" | ">=" | "<=" | "~>";
export type Requirement = readonly (readonly [RequirementOp, string])[];

export interface GemDependency {
  name: string;
  type: "runtime" | "development";
  requirement: Requirement;
}

export interface GemSpec {
  name: string;
  /** As Gem::Version spells it (a '-' rewritten to ".pre."). */
  version: string;
  /** `ruby` for a pure-Ruby gem. */
  platform: string;
  summary: string | null;
  description: string | null;
  authors: string[];
  homepage: string | null;
  licenses: string[];
  metadata: Record<string, string>;
  dependencies: GemDependency[];
  requiredRubyVersion: Requirement;
  requiredRubygemsVersion: Requirement;
}

const TAG = {
  spec: "!ruby/object:Gem::Specification",
  version: "!ruby/object:Gem::Version",
  requirement: "!ruby/object:Gem::Requirement",
  dependency: "!ruby/object:Gem::Dependency",
} as const;

/** The four shapes are plain mappings to the parser; what they mean is decided below, by position. */
const customTags = Object.values(TAG).map((tag) => ({
  tag,
  collection: "map" as const,
  resolve: (map: unknown) => map,
}));

const OPS = new Set<string>(["=", "!=", ">", "<", ">=", "<=", "~>"]);
export const MAX_GEMSPEC_SIZE = 1024 * 1024;
const MAX_LIST = 1000;
const MAX_TEXT = 64 * 1024;

const invalid = (why: string) =>
  gemspecErrors.GEMSPEC_INVALID(
    `The gem's metadata is not a valid gemspec (${why}): rebuild the gem with \`gem build\`.`,
  );

/** Tags that the core schema itself gives a scalar or collection; anything else is a foreign tag. */
const CORE_TAGS = new Set([
  "tag:yaml.org,2002:str",
  "tag:yaml.org,2002:int",
  "tag:yaml.org,2002:float",
  "tag:yaml.org,2002:bool",
  "tag:yaml.org,2002:null",
  "tag:yaml.org,2002:map",
  "tag:yaml.org,2002:seq",
]);

function expectTag(node: unknown, tag: string | undefined, where: string): void {
  const actual = (node as { tag?: string } | null)?.tag;
  if (actual === tag) return;
  if (actual === undefined || CORE_TAGS.has(actual)) {
    if (tag === undefined) return;
    throw invalid(`${where} must be tagged ${tag.slice(1)}`);
  }
  throw gemspecErrors.GEMSPEC_TAG_REFUSED(
    `The gem's metadata has the YAML tag '${actual.slice(0, 80)}' at ${where}; only Gem::Specification, Gem::Version, Gem::Requirement and Gem::Dependency are allowed, each in its place: rebuild the gem with \`gem build\`.`,
  );
}

/** Any value without a custom tag, as plain JSON-like data (for fields Wharf stores but does not interpret). */
function plain(node: unknown, where: string, depth = 0): unknown {
  if (depth > 20) throw invalid(`${where} is nested too deeply`);
  if (node === null || node === undefined) return null;
  expectTag(node, undefined, where);
  if (isScalar(node)) return node.value;
  if (isSeq(node)) {
    if (node.items.length > MAX_LIST) throw invalid(`${where} has too many entries`);
    return node.items.map((n, i) => plain(n, `${where}[${i}]`, depth + 1));
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    if (node.items.length > MAX_LIST) throw invalid(`${where} has too many entries`);
    for (const pair of node.items) {
      const key = plain(pair.key, where, depth + 1);
      if (typeof key !== "string" && typeof key !== "number")
        throw invalid(`${where} has a key that is not text`);
      Object.defineProperty(out, String(key), {
        value: plain(pair.value, `${where}.${String(key)}`, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  // Aliases included: a gemspec written by `gem build` has none, and refusing them rules out alias bombs.
  throw invalid(`${where} is not a plain value`);
}

function fields(map: YAMLMap, where: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof key !== "string") throw invalid(`${where} has a key that is not text`);
    if (isScalar(pair.key)) expectTag(pair.key, undefined, `${where} key ${key}`);
    if (out.has(key)) throw invalid(`${where} has '${key}' twice`);
    out.set(key, pair.value);
  }
  return out;
}

function text(node: unknown, where: string, max = MAX_TEXT): string | null {
  const v = plain(node, where);
  if (v === null || v === "") return null;
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") throw invalid(`${where} must be text`);
  if (v.length > max) throw invalid(`${where} is longer than ${max} characters`);
  return v;
}

function textList(node: unknown, where: string): string[] {
  const v = plain(node, where);
  if (v === null) return [];
  if (typeof v === "string") return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw invalid(`${where} must be a list of text`);
  return v as string[];
}

function version(node: unknown, where: string): string {
  if (!isMap(node)) throw invalid(`${where} must be a Gem::Version`);
  expectTag(node, TAG.version, where);
  const f = fields(node, where);
  const raw = text(f.get("version"), `${where}.version`, 64);
  if (raw === null) throw invalid(`${where} has no version`);
  return canonicalGemVersion(raw);
}

function requirement(node: unknown, where: string): Requirement {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) throw invalid(`${where} must be a Gem::Requirement`);
  expectTag(node, TAG.requirement, where);
  const list = fields(node, where).get("requirements");
  if (!isSeq(list)) throw invalid(`${where} has no list of requirements`);
  expectTag(list, undefined, `${where}.requirements`);
  if (list.items.length > 100) throw invalid(`${where} has too many requirements`);
  return list.items.map((pair, i) => {
    const at = `${where}.requirements[${i}]`;
    if (!isSeq(pair) || pair.items.length !== 2) throw invalid(`${at} must be an operator and a version`);
    expectTag(pair, undefined, at);
    const op = text(pair.items[0], at, 2);
    if (op === null || !OPS.has(op)) throw invalid(`${at} has an unknown operator`);
    return [op as RequirementOp, version(pair.items[1], at)] as const;
  });
}

function dependency(node: unknown, where: string): GemDependency {
  if (!isMap(node)) throw invalid(`${where} must be a Gem::Dependency`);
  expectTag(node, TAG.dependency, where);
  const f = fields(node, where);
  const name = text(f.get("name"), `${where}.name`, 128);
  if (name === null) throw invalid(`${where} has no name`);
  assertValidGemName(name);
  const type = text(f.get("type"), `${where}.type`, 20) ?? ":runtime";
  if (type !== ":runtime" && type !== ":development")
    throw invalid(`${where}.type must be :runtime or :development`);
  for (const key of f.keys()) {
    if (!["name", "requirement", "version_requirements", "type", "prerelease"].includes(key)) {
      throw invalid(`${where} has an unknown field '${key.slice(0, 40)}'`);
    }
  }
  // version_requirements is the same requirement, kept by old RubyGems; read it so a tag there is checked too.
  if (f.has("version_requirements"))
    requirement(f.get("version_requirements"), `${where}.version_requirements`);
  plain(f.get("prerelease"), `${where}.prerelease`);
  return {
    name,
    type: type === ":development" ? "development" : "runtime",
    requirement: requirement(f.get("requirement") ?? f.get("version_requirements"), `${where}.requirement`),
  };
}

const STRUCTURED = new Set(["version", "dependencies", "required_ruby_version", "required_rubygems_version"]);

/** Parses and checks the gemspec YAML; throws a catalogue error naming what is wrong. */
export function parseGemspec(yamlText: string): GemSpec {
  if (yamlText.length > MAX_GEMSPEC_SIZE) throw invalid(`larger than ${MAX_GEMSPEC_SIZE} bytes`);
  const doc = parseDocument(yamlText, {
    schema: "core",
    customTags,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    if (problem.code === "TAG_RESOLVE_FAILED") {
      const tag = /tag: (\S+)/.exec(problem.message)?.[1] ?? "unknown";
      throw gemspecErrors.GEMSPEC_TAG_REFUSED(
        `The gem's metadata has the YAML tag '${tag.slice(0, 80)}'; only Gem::Specification, Gem::Version, Gem::Requirement and Gem::Dependency are allowed: rebuild the gem with \`gem build\`.`,
      );
    }
    throw invalid(problem.message.split("\n")[0]!.slice(0, 200));
  }
  const root = doc.contents as Node | null;
  if (!isMap(root)) throw invalid("it is not a Gem::Specification");
  expectTag(root, TAG.spec, "the top");
  const f = fields(root, "the specification");
  // Every field this reader does not interpret must still be tag-free.
  for (const [key, value] of f) if (!STRUCTURED.has(key)) plain(value, key);

  const name = text(f.get("name"), "name", 128);
  if (name === null) throw invalid("it has no name");
  assertValidGemName(name);
  const platform = text(f.get("platform"), "platform", 64) ?? "ruby";
  assertValidPlatform(platform);
  const deps = f.get("dependencies");
  let dependencies: GemDependency[] = [];
  if (deps !== null && deps !== undefined && !(isScalar(deps) && deps.value === null)) {
    if (!isSeq(deps)) throw invalid("dependencies must be a list");
    expectTag(deps, undefined, "dependencies");
    if (deps.items.length > MAX_LIST) throw invalid("dependencies has too many entries");
    dependencies = deps.items.map((d, i) => dependency(d, `dependencies[${i}]`));
  }
  const rawMetadata = plain(f.get("metadata"), "metadata") ?? {};
  if (typeof rawMetadata !== "object" || Array.isArray(rawMetadata))
    throw invalid("metadata must be a mapping");
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMetadata as Record<string, unknown>)) {
    if (typeof v !== "string") throw invalid(`metadata '${k.slice(0, 40)}' must be text`);
    metadata[k] = v;
  }
  return {
    name,
    version: version(f.get("version"), "version"),
    platform,
    summary: text(f.get("summary"), "summary"),
    description: text(f.get("description"), "description"),
    authors: textList(f.get("authors"), "authors"),
    homepage: text(f.get("homepage"), "homepage", 2048),
    licenses: textList(f.get("licenses"), "licenses"),
    metadata,
    dependencies,
    requiredRubyVersion: requirement(f.get("required_ruby_version"), "required_ruby_version"),
    requiredRubygemsVersion: requirement(f.get("required_rubygems_version"), "required_rubygems_version"),
  };
}

/** `~> 13.0, >= 13.0.1` as the compact index and Gemfiles write a requirement. */
export function formatRequirement(r: Requirement): string {
  return r.length === 0 ? ">= 0" : r.map(([op, v]) => `${op} ${v}`).join(", ");
}
