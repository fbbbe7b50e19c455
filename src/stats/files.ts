import type { DbExecutor } from "../db/index.js";
import { normalizeName, parseDistFilename } from "../ecosystems/pypi/index.js";

// Legacy PyPI file types (eggs, zips, bdist installers): "<name>-<version>..." with a digit after the dash.
const LEGACY = /^(.+?)-\d[^-]*(?:-.*)?\.(?:zip|tar\.bz2|tar\.xz|tgz|tar|egg|exe|msi|rpm|dmg|whl|tar\.gz)$/i;

/**
 * The project (normalized name) each PyPI file name belongs to: by its PEP 427/625 name, else by the
 * file name journal (every file Wharf ever stored, deleted ones included), else by the legacy
 * "<name>-<version>.<ext>" convention. Unresolvable names map to nothing.
 */
export async function resolveFileNames(db: DbExecutor, files: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const unknown: string[] = [];
  for (const f of files) {
    try {
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
      .where("j.filename", "in", unknown.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.filename, r.normalized_name);
  }
  for (const f of unknown) {
    if (out.has(f)) continue;
    const m = LEGACY.exec(f);
    out.set(f, m ? normalizeName(m[1]!) : null);
  }
  return out;
}
