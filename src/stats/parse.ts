import { normalizeName } from "../ecosystems/pypi/index.js";
import { DAY } from "../lib/clock.js";

/**
 * Line parsers for `wharf stats import`. Each turns one line into a download (ecosystem, what, day)
 * or says why it is not one; the importer sums them. Pure: no I/O.
 */
export type StatsFormat = "combined" | "csv";

/** `file` keys are PyPI or .gem file names (resolved to projects later); `name` keys are normalized names. */
export type Parsed =
  | { ok: true; ecosystem: string; kind: "file" | "name"; key: string; day: number; count: number }
  | { ok: false; reason: "not-download" | "malformed" };

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// %h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i" (Apache/nginx "combined"; "common" too).
const COMBINED =
  /^\S+ \S+ .*?\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "([A-Z]+) (\S+)(?: [^"]*)?" (\d{3}) /;

const NOT_DOWNLOAD = { ok: false, reason: "not-download" } as const;
const MALFORMED = { ok: false, reason: "malformed" } as const;

/**
 * A successful GET of a distribution: `/files/<ecosystem>/.../<file>` (not its `.metadata`), an npm
 * tarball `/npm/<name>/-/<file>.tgz` (scoped: `@scope/name` or `@scope%2fname`) or a gem
 * `/rubygems/gems/<name>-<version>[-<platform>].gem` (what `gem install` and Bundler fetch; the
 * `quick/Marshal.4.8/` gemspec beside it is not a download). Only status 200 and
 * other full 2xx responses count: a 206 is the rest of a download already counted (a resumed one),
 * a 304 downloaded nothing.
 */
export function parseCombinedLine(line: string): Parsed {
  const m = COMBINED.exec(line);
  if (!m) return line.trim() === "" ? NOT_DOWNLOAD : MALFORMED;
  const [, dd, mon, yyyy, hh, mi, ss, sign, oh, om, method, target, status] = m as unknown as string[];
  const month = MONTHS[mon!];
  if (month === undefined) return MALFORMED;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === "-" ? -1 : 1);
  const utc = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss)) - offset;
  if (Number.isNaN(utc)) return MALFORMED;
  const code = Number(status);
  if (method !== "GET" || code < 200 || code > 299 || code === 206) return NOT_DOWNLOAD;
  const day = Math.floor(utc / DAY);
  const path = pathOf(target!);
  if (path === null) return MALFORMED;
  if (path.startsWith("/files/")) {
    const segs = segments(path.slice("/files/".length));
    if (!segs || segs.length < 2) return NOT_DOWNLOAD;
    const file = segs[segs.length - 1]!;
    if (!file || file.endsWith(".metadata")) return NOT_DOWNLOAD;
    return { ok: true, ecosystem: segs[0]!, kind: "file", key: file, day, count: 1 };
  }
  if (path.startsWith("/npm/")) {
    const name = npmTarballName(path);
    return name ? { ok: true, ecosystem: "npm", kind: "name", key: name, day, count: 1 } : NOT_DOWNLOAD;
  }
  if (path.startsWith("/rubygems/gems/")) {
    const segs = segments(path.slice("/rubygems/gems/".length));
    const file = segs?.length === 1 ? segs[0]! : "";
    return file.endsWith(".gem") && file.length > 4
      ? { ok: true, ecosystem: "rubygems", kind: "file", key: file, day, count: 1 }
      : NOT_DOWNLOAD;
  }
  return NOT_DOWNLOAD;
}

/** The path of a request target (origin-form or absolute-form), without query or fragment. */
function pathOf(target: string): string | null {
  let t = target;
  if (/^https?:\/\//i.test(t)) {
    const slash = t.indexOf("/", t.indexOf("//") + 2);
    t = slash < 0 ? "/" : t.slice(slash);
  }
  if (!t.startsWith("/")) return null;
  const q = t.search(/[?#]/);
  return q < 0 ? t : t.slice(0, q);
}

/** Each segment decoded on its own (an encoded slash stays inside its segment); null if undecodable. */
function segments(path: string): string[] | null {
  try {
    return path.split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
}

function npmTarballName(path: string): string | null {
  const segs = segments(path.slice("/npm/".length));
  if (!segs?.[0]) return null;
  let name = segs[0];
  let rest = segs.slice(1);
  if (name.startsWith("@") && !name.includes("/")) {
    if (!rest[0]) return null;
    name = `${name}/${rest[0]}`;
    rest = rest.slice(1);
  }
  if (rest.length !== 2 || rest[0] !== "-" || !rest[1]?.endsWith(".tgz")) return null;
  return normalizeProjectName("npm", name);
}

/** The key projects.normalized_name uses: PEP 503 for PyPI; npm and gem names are lower case. */
export function normalizeProjectName(ecosystem: string, name: string): string {
  return ecosystem === "pypi" ? normalizeName(name.trim()) : name.trim().toLowerCase();
}

export const CSV_HEADER = "date,ecosystem,project,count";

export class CsvError extends Error {}

/** One data line of `date,ecosystem,project,count` (ISO date, UTC). Throws CsvError with the reason. */
export function parseCsvLine(line: string, ecosystems: readonly string[]): Parsed {
  if (line.trim() === "") return NOT_DOWNLOAD;
  const cells = splitCsv(line);
  if (cells.length !== 4) throw new CsvError(`expected 4 fields (${CSV_HEADER}), found ${cells.length}`);
  const [date, eco, project, count] = cells.map((c) => c.trim()) as [string, string, string, string];
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = dm ? Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3])) : Number.NaN;
  if (!dm || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date)
    throw new CsvError(`'${date.slice(0, 40)}' is not a date (YYYY-MM-DD)`);
  const ecosystem = eco.toLowerCase();
  if (!ecosystems.includes(ecosystem))
    throw new CsvError(`unknown ecosystem '${eco.slice(0, 40)}' (${ecosystems.join(" or ")})`);
  if (!project || project.length > 214) throw new CsvError("the project name is empty or too long");
  if (!/^\d{1,15}$/.test(count)) throw new CsvError(`'${count.slice(0, 40)}' is not a download count`);
  const key = normalizeProjectName(ecosystem, project);
  return { ok: true, ecosystem, kind: "name", key, day: ms / DAY, count: Number(count) };
}

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
function splitCsv(line: string): string[] {
  const s = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (!s.includes('"')) return s.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (s[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

export function isCsvHeader(line: string): boolean {
  return line.replace(/["\s\r]/g, "").toLowerCase() === CSV_HEADER;
}
