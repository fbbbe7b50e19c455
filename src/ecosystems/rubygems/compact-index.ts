/**
 * The compact index's text formats (Bundler's compact_index_client, RubyGems' resolver/api_set):
 * `info/<name>` has one line per version and platform, `versions` one line per gem with the MD5 of
 * its info file, `names` one name per line. Pure: the protocol module loads the rows.
 */

export interface IndexedGemFile {
  version: string;
  platform: string;
  sha256: string;
  /** Runtime dependencies only, requirements as `~> 1.0, >= 1.0.1`. */
  dependencies: { name: string; requirement: string }[];
  requiredRubyVersion: string;
  requiredRubygemsVersion: string;
}

/** `1.0.0`, or `1.0.0-x86_64-linux` for a platform other than ruby. */
export const versionToken = (f: Pick<IndexedGemFile, "version" | "platform">): string =>
  f.platform === "ruby" ? f.version : `${f.version}-${f.platform}`;

/** Requirements inside a line: each `, ` of a requirement list becomes `&` (',' separates dependencies). */
const inLine = (requirement: string): string => requirement.split(/\s*,\s*/).join("&");

/**
 * `VERSION[-PLATFORM] DEP:REQ&REQ,DEP2:REQ|checksum:SHA256,ruby:REQ,rubygems:REQ`; `ruby:` and
 * `rubygems:` are left out when they say `>= 0` (no constraint), as rubygems.org does.
 */
export function infoLine(f: IndexedGemFile): string {
  const deps = f.dependencies.map((d) => `${d.name}:${inLine(d.requirement)}`).join(",");
  const reqs = [`checksum:${f.sha256}`];
  if (f.requiredRubyVersion !== ">= 0") reqs.push(`ruby:${inLine(f.requiredRubyVersion)}`);
  if (f.requiredRubygemsVersion !== ">= 0") reqs.push(`rubygems:${inLine(f.requiredRubygemsVersion)}`);
  return `${versionToken(f)} ${deps}|${reqs.join(",")}`;
}

/** The whole info file, in the order given (push order, so a new push appends a line). */
export const infoFile = (files: IndexedGemFile[]): string =>
  `---\n${files.map((f) => `${infoLine(f)}\n`).join("")}`;

/** `created_at: …`, `---`, then `NAME V1,V2-PLATFORM MD5-OF-INFO` per gem. */
export function versionsFile(
  createdAt: Date,
  gems: { name: string; versions: string[]; infoMd5: string }[],
): string {
  const lines = gems.map((g) => `${g.name} ${g.versions.join(",")} ${g.infoMd5}\n`);
  return `created_at: ${createdAt.toISOString().replace(/\.\d{3}Z$/, "Z")}\n---\n${lines.join("")}`;
}

export const namesFile = (names: string[]): string => `---\n${names.map((n) => `${n}\n`).join("")}`;
