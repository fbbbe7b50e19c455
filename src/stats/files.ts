import type { DbExecutor } from "../db/index.js";
import { normalizeName, parseDistFilename } from "../ecosystems/pypi/index.js";
import { normalizeGemName } from "../ecosystems/rubygems/index.js";

// Legacy PyPI file types (eggs, zips, bdist installers): "<name>-<version>..." with a digit after the dash.
const LEGACY = /^(.+?)-\d[^-]*(?:-.*)?\.(?:zip|tar\.bz2|tar\.xz|tgz|tar|egg|exe|msi|rpm|dmg|whl|tar\.gz)$/i;
// "<name>-<version>[-<platform>].gem": a version starts with a digit, so the first "-<digit>" ends the
// name. Only a fallback: a gem whose name has "-<digit>" in it (`foo-2fa`) is found by the journal.
const GEM = /^(.+?)-\d[0-9A-Za-z.]*(?:-[A-Za-z0-9_.-]+)?\.gem$/;

/**
 * The project (normalized name) each file name of an ecosystem's downloads belongs to. PyPI: by its
 * PEP 427/625 name, else by the file name journal (every file Wharf ever stored, deleted ones
 * included), else by the legacy "<name>-<version>.<ext>" convention. RubyGems: by the journal, else by
 * "<name>-<version>[-<platform>].gem". Unresolvable names map to nothing.
 */
export async function resolveFileNames(
  db: DbExecutor,
  ecosystem: string,
  files: string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const unknown: string[] = [];
  for (const f of files) {
    try {
      if (ecosystem !== "pypi") throw new Error("journal first");
      out.set(f, normalizeName(parseDistFilename(f).name));
    } catch {
      unknown.push(f);
    }
  }
  for (let i = 0; i < unknown.length; i += 500) {
    const rows = await db
      .selectFrom("filename_journal as j")
      .innerJoin("projects as p", "p.id", "j.project_id")
      .select(["j.filename", "p.normalized_name"])
      .where("p.ecosystem", "=", ecosystem)
      .where("j.filename", "in", unknown.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.filename, r.normalized_name);
  }
  for (const f of unknown) {
    if (out.has(f)) continue;
    out.set(f, byConvention(ecosystem, f));
  }
  return out;
}

function byConvention(ecosystem: string, file: string): string | null {
  if (ecosystem === "rubygems") {
    const m = GEM.exec(file);
    return m ? normalizeGemName(m[1]!) : null;
  }
  if (ecosystem !== "pypi") return null;
  const m = LEGACY.exec(file);
  return m ? normalizeName(m[1]!) : null;
}
