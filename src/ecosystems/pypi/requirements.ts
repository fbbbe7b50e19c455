import { normalizeName } from "./names.js";

/** PEP 508's name: letters and digits at both ends, '.', '_' and '-' inside. */
const NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/**
 * The PEP 503 name a Requires-Dist entry (a PEP 508 requirement) names, when some environment installs
 * it without asking for an extra; null otherwise. Criticality by dependents counts what `pip install X`
 * brings in: `requests[socks]`'s PySocks (`extra == "socks"`) is optional, so it does not make PySocks a
 * dependency of everything that uses requests. Environment markers (`python_version < "3.8"`,
 * `sys_platform == "win32"`) do count: some users install it.
 */
export function requiredName(requirement: string): string | null {
  const m = NAME.exec(requirement);
  if (!m) return null;
  const rest = requirement.slice(m[0].length);
  // "name @ https://host/x;y.whl ; marker": after a URL the marker needs a space before its ';'.
  const urlForm = /^\s*(\[[^\]]*\])?\s*@/.test(rest);
  let at = rest.indexOf(";");
  if (urlForm) {
    const s = rest.search(/\s;/);
    at = s < 0 ? -1 : s + 1;
  }
  if (at >= 0 && !withoutExtras(rest.slice(at + 1))) return null;
  return normalizeName(m[1]!);
}

type Token = { kind: "str" | "word" | "op" | "(" | ")"; text: string };

const TOKEN = /\s*(?:(\(|\))|('[^']*'|"[^"]*")|(===|==|!=|<=|>=|~=|<|>)|([A-Za-z_][A-Za-z0-9_.]*))/y;

function tokens(marker: string): Token[] | null {
  const out: Token[] = [];
  let pos = 0;
  const space = /\s*/y;
  while (pos < marker.length) {
    space.lastIndex = pos;
    space.exec(marker);
    if (space.lastIndex === marker.length) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(marker);
    if (!m) return null;
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: m[1] as "(" | ")", text: m[1] });
    else if (m[2]) out.push({ kind: "str", text: m[2] });
    else if (m[3]) out.push({ kind: "op", text: m[3] });
    else out.push({ kind: "word", text: m[4]! });
  }
  return out;
}

/**
 * Whether the marker can hold when no extra is requested: every comparison with `extra` is evaluated
 * with no extra (`extra == "x"` false, `extra != "x"` true), every other comparison is assumed true
 * (some environment satisfies it). Linear in the marker's length; a marker that does not parse counts
 * as optional only when it mentions `extra`.
 */
export function withoutExtras(marker: string): boolean {
  const t = tokens(marker);
  const fallback = () => !/\bextra\b/.test(marker);
  if (!t) return fallback();
  let i = 0;
  const peekWord = (w: string) => t[i]?.kind === "word" && t[i]!.text === w;
  const value = (): Token | null => {
    const v = t[i];
    if (!v || (v.kind !== "str" && v.kind !== "word")) return null;
    i++;
    return v;
  };
  const atom = (): boolean | null => {
    if (t[i]?.kind === "(") {
      i++;
      const inner = or();
      if (inner === null || t[i]?.kind !== ")") return null;
      i++;
      return inner;
    }
    const left = value();
    if (!left) return null;
    let op: string;
    if (t[i]?.kind === "op") op = t[i++]!.text;
    else if (peekWord("in")) {
      i++;
      op = "in";
    } else if (peekWord("not") && t[i + 1]?.kind === "word" && t[i + 1]!.text === "in") {
      i += 2;
      op = "not in";
    } else return null;
    const right = value();
    if (!right) return null;
    const isExtra = (v: Token) => v.kind === "word" && v.text === "extra";
    if (!isExtra(left) && !isExtra(right)) return true;
    // No extra requested: equality and membership fail, their negations hold.
    return op === "!=" || op === "not in";
  };
  const and = (): boolean | null => {
    let v = atom();
    while (v !== null && peekWord("and")) {
      i++;
      const r = atom();
      v = r === null ? null : v && r;
    }
    return v;
  };
  const or = (): boolean | null => {
    let v = and();
    while (v !== null && peekWord("or")) {
      i++;
      const r = and();
      v = r === null ? null : v || r;
    }
    return v;
  };
  const result = or();
  if (result === null || i !== t.length) return fallback();
  return result;
}

/** The distinct PEP 503 names a release's Requires-Dist installs without extras, itself excluded. */
export function pypiDependencies(metadata: Record<string, unknown>, self: string): string[] {
  const list = metadata.requiresDist;
  if (!Array.isArray(list)) return [];
  const out = new Set<string>();
  for (const r of list) {
    if (typeof r !== "string") continue;
    const name = requiredName(r);
    if (name && name !== self) out.add(name);
  }
  return [...out].sort();
}
