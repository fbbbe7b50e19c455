import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { withDatabase } from "../e2e/support/pypi.js";
import type { WharfServer } from "../e2e/support/server.js";

/**
 * Rows against bytes, checked from outside the server (independent of any reconcile job it runs): every
 * file row has its blob with the recorded size and sha256, every blob belongs to a row, and no upload
 * left a temporary file (`.part` spool files, `blobs/.tmp` staging files).
 */
export interface Consistency {
  projects: number;
  releases: number;
  files: number;
  journal: number;
  blobs: number;
  /** Human-readable problems; empty when rows and bytes agree. */
  problems: string[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), h);
  return h.digest("hex");
}

/** Temporary files an upload may leave: the spool (`tmp/`) and the blob store's staging area. */
export function leftoverTemps(dataDir: string): string[] {
  const temps = walk(join(dataDir, "tmp")).map((p) => `tmp/${p}`);
  const staging = walk(join(dataDir, "blobs", ".tmp")).map((p) => `blobs/.tmp/${p}`);
  return [...temps, ...staging];
}

export async function checkConsistency(server: WharfServer): Promise<Consistency> {
  const blobRoot = join(server.dataDir, "blobs");
  const rows = await withDatabase(server, async (db) => ({
    projects: (await db.selectFrom("projects").select("id").execute()).length,
    releases: (await db.selectFrom("releases").select("id").execute()).length,
    journal: (await db.selectFrom("filename_journal").select("filename").execute()).length,
    files: await db
      .selectFrom("files")
      .select(["filename", "size", "sha256", "blob_key", "metadata_blob_key"])
      .execute(),
  }));
  const problems: string[] = [];
  const wanted = new Set<string>();
  for (const f of rows.files) {
    wanted.add(f.blob_key);
    if (f.metadata_blob_key) wanted.add(f.metadata_blob_key);
    const path = join(blobRoot, f.blob_key);
    if (!existsSync(path)) {
      problems.push(`file row ${f.filename}: no blob at ${f.blob_key}`);
      continue;
    }
    const size = statSync(path).size;
    if (size !== Number(f.size))
      problems.push(`file row ${f.filename}: blob has ${size} bytes, row says ${f.size}`);
    else if ((await sha256Of(path)) !== f.sha256)
      problems.push(`file row ${f.filename}: blob sha256 differs`);
    if (f.metadata_blob_key && !existsSync(join(blobRoot, f.metadata_blob_key)))
      problems.push(`file row ${f.filename}: no metadata blob at ${f.metadata_blob_key}`);
  }
  const onDisk = walk(blobRoot).filter((p) => !p.startsWith(".tmp/"));
  for (const p of onDisk) if (!wanted.has(p)) problems.push(`blob without a row: ${p}`);
  for (const p of leftoverTemps(server.dataDir)) problems.push(`temporary file left behind: ${p}`);
  if (rows.journal < rows.files.length)
    problems.push(`${rows.files.length} files but ${rows.journal} journal rows`);
  return {
    projects: rows.projects,
    releases: rows.releases,
    files: rows.files.length,
    journal: rows.journal,
    blobs: onDisk.length,
    problems,
  };
}
