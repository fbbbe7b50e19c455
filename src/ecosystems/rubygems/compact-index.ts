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

/** `created_at: …` and `---`: the header of `versions`, stable for the life of the log. */
export const versionsHeader = (createdAt: Date): string =>
  `created_at: ${createdAt.toISOString().replace(/\.\d{3}Z$/, "Z")}\n---\n`;

/** A gem as the index shows it now: its version tokens and the MD5 of its info file (none: not shown). */
export interface GemIndexState {
  name: string;
  versions: string[];
  infoMd5: string;
}

/** What a gem's logged lines add up to, as Bundler reads them: tokens added, `-token` removed, last MD5. */
export function replayVersionsLines(lines: string[]): { name: string; versions: string[]; infoMd5: string } {
  const versions: string[] = [];
  let name = "";
  let infoMd5 = "";
  for (const line of lines) {
    const [n = "", tokens = "", md5 = ""] = line.split(" ");
    name = n;
    infoMd5 = md5;
    for (const t of tokens.split(",")) {
      if (t.startsWith("-")) {
        const i = versions.indexOf(t.slice(1));
        if (i >= 0) versions.splice(i, 1);
      } else if (t) versions.push(t);
    }
  }
  return { name, versions, infoMd5 };
}

/**
 * The line to append so that a gem's logged lines add up to its state now, or null when they already
 * do: new tokens, `-token` for the ones gone (yanked, or the whole gem hidden: `now` null), and the
 * current info MD5. A change that neither adds nor removes (the info file changed otherwise) re-states
 * the newest token as `-t,t`, since a line needs at least one.
 */
export function nextVersionsLine(
  logged: string[],
  now: GemIndexState | null,
  emptyInfoMd5: string,
): string | null {
  const before = replayVersionsLines(logged);
  const name = now?.name ?? before.name;
  const versions = now?.versions ?? [];
  const md5 = now?.infoMd5 ?? emptyInfoMd5;
  if (logged.length === 0 && versions.length === 0) return null;
  if (logged.length > 0 && before.infoMd5 === md5 && before.name === name) return null;
  const removed = before.versions.filter((v) => !versions.includes(v)).map((v) => `-${v}`);
  const added = versions.filter((v) => !before.versions.includes(v));
  let tokens = [...removed, ...added];
  if (tokens.length === 0) {
    const last = versions.at(-1);
    if (last === undefined) return null;
    tokens = [`-${last}`, last];
  }
  return `${name} ${tokens.join(",")} ${md5}`;
}

export const namesFile = (names: string[]): string => `---\n${names.map((n) => `${n}\n`).join("")}`;
