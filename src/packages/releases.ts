import type { Database, DbExecutor } from "../db/index.js";

export interface FileRecord {
  id: string;
  releaseId: string;
  filename: string;
  packagetype: string;
  pythonVersion: string | null;
  requiresPython: string | null;
  size: number;
  sha256: string;
  blake2b256: string;
  md5: string;
  blobKey: string;
  metadataSha256: string | null;
  metadataBlobKey: string | null;
  uploadedAt: number;
}

export interface Release {
  id: string;
  projectId: string;
  version: string;
  canonicalVersion: string;
  createdAt: number;
  yankedAt: number | null;
  yankedReason: string | null;
  requiresPython: string | null;
  summary: string | null;
  description: string | null;
  descriptionContentType: string | null;
  metadata: Record<string, unknown>;
  files: FileRecord[];
}

/** The rendered description (migration 010): read only for the one release a page shows (descriptions.ts). */
export type DescriptionColumns = Pick<
  Database["releases"],
  "description_render" | "description_html" | "description_renderer"
>;

/** Rows as the tables hold them (db/schema.ts), without the rendered description or the metadata revision. */
export type ReleaseRow = Omit<Database["releases"], keyof DescriptionColumns | "metadata_rev">;

/**
 * Listings load every release of a project (the simple API, project pages); each release's rendered
 * HTML (up to 2 MB) is left out of them so a page reads only the one it shows.
 */
const releaseColumns = [
  "id",
  "project_id",
  "version",
  "canonical_version",
  "created_at",
  "yanked_at",
  "yanked_reason",
  "requires_python",
  "summary",
  "description",
  "description_content_type",
  "metadata",
] as const satisfies ReadonlyArray<keyof ReleaseRow>;

type FileRow = Database["files"];

export const toFile = (f: FileRow): FileRecord => ({
  id: f.id,
  releaseId: f.release_id,
  filename: f.filename,
  packagetype: f.packagetype,
  pythonVersion: f.python_version,
  requiresPython: f.requires_python,
  size: f.size,
  sha256: f.sha256,
  blake2b256: f.blake2b_256,
  md5: f.md5,
  blobKey: f.blob_key,
  metadataSha256: f.metadata_sha256,
  metadataBlobKey: f.metadata_blob_key,
  uploadedAt: f.uploaded_at,
});

export const toRelease = (r: ReleaseRow, files: FileRecord[]): Release => ({
  id: r.id,
  projectId: r.project_id,
  version: r.version,
  canonicalVersion: r.canonical_version,
  createdAt: r.created_at,
  yankedAt: r.yanked_at,
  yankedReason: r.yanked_reason,
  requiresPython: r.requires_python,
  summary: r.summary,
  description: r.description,
  descriptionContentType: r.description_content_type,
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  files,
});

/**
 * A release as listings read it: neither its metadata nor its description, only the metadata's
 * revision (migration 037). A package's read model re-renders after every write; reading and parsing
 * every release's metadata and every README again made that cost grow with the history (issue 15
 * item 2). Read the metadata of the few releases that need it with `releaseMetadata`.
 */
export interface ListedRelease
  extends Omit<Release, "metadata" | "description" | "summary" | "descriptionContentType"> {
  metadataRev: number;
}

/** Files grouped by release id, one pass (a filter per release was O(releases x files)). */
function filesByRelease(files: FileRow[]): Map<string, FileRecord[]> {
  const out = new Map<string, FileRecord[]>();
  for (const f of files) {
    const list = out.get(f.release_id);
    if (list) list.push(toFile(f));
    else out.set(f.release_id, [toFile(f)]);
  }
  return out;
}

/** Every one is in the index releases_listing (migration 037): a listing never reads the rows themselves. */
export const listedColumns = [
  "id",
  "project_id",
  "version",
  "canonical_version",
  "created_at",
  "yanked_at",
  "yanked_reason",
  "requires_python",
  "metadata_rev",
] as const satisfies ReadonlyArray<keyof Database["releases"]>;

/** Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters. */
const ID_BATCH = 500;

/** The metadata of these releases (parsed) with its revision, by release id. */
export async function releaseMetadata(
  db: DbExecutor,
  releaseIds: string[],
): Promise<Map<string, { rev: number; metadata: Record<string, unknown> }>> {
  const out = new Map<string, { rev: number; metadata: Record<string, unknown> }>();
  for (let i = 0; i < releaseIds.length; i += ID_BATCH) {
    const rows = await db
      .selectFrom("releases")
      .select(["id", "metadata", "metadata_rev"])
      .where("id", "in", releaseIds.slice(i, i + ID_BATCH))
      .execute();
    for (const r of rows)
      out.set(r.id, { rev: r.metadata_rev, metadata: JSON.parse(r.metadata) as Record<string, unknown> });
  }
  return out;
}

export type ReleaseText = Pick<Release, "summary" | "description" | "descriptionContentType">;

/** One release's summary and description (its README): a listing leaves them out, the latest needs them. */
export async function releaseText(db: DbExecutor, releaseId: string): Promise<ReleaseText> {
  const r = await db
    .selectFrom("releases")
    .select(["summary", "description", "description_content_type"])
    .where("id", "=", releaseId)
    .executeTakeFirst();
  return {
    summary: r?.summary ?? null,
    description: r?.description ?? null,
    descriptionContentType: r?.description_content_type ?? null,
  };
}

/**
 * Every release of a project with its files, oldest first (callers sort by version as their ecosystem does).
 * `descriptions: false` leaves every README out (description null): a write path that needs the
 * versions and their metadata need not read the whole history's READMEs (issue 15 item 2).
 */
export async function listReleases(
  db: DbExecutor,
  projectId: string,
  opts: { descriptions?: boolean } = {},
): Promise<Release[]> {
  const columns =
    opts.descriptions === false ? releaseColumns.filter((c) => c !== "description") : releaseColumns;
  const [releases, files] = await Promise.all([
    db
      .selectFrom("releases")
      .select(columns)
      .where("project_id", "=", projectId)
      .orderBy("created_at")
      .execute(),
    db.selectFrom("files").selectAll().where("project_id", "=", projectId).orderBy("filename").execute(),
  ]);
  const filesOf = filesByRelease(files);
  // Without the column the row has no description at all: null, never undefined.
  const row = (r: (typeof releases)[number]) =>
    opts.descriptions === false ? { ...r, description: null } : r;
  return releases.map((r) => toRelease(row(r), filesOf.get(r.id) ?? []));
}

/**
 * Every release with its files of every listed (not quarantined) project of an ecosystem, in two
 * queries, grouped by project id: for an index built over the whole ecosystem (RubyGems' `versions`).
 */
export async function listEcosystemReleases(
  db: DbExecutor,
  ecosystem: string,
): Promise<Map<string, Release[]>> {
  const releases = await db
    .selectFrom("releases")
    .innerJoin("projects", "projects.id", "releases.project_id")
    .select(releaseColumns.map((c) => `releases.${c}` as const))
    .where("projects.ecosystem", "=", ecosystem)
    .where("projects.quarantined_at", "is", null)
    .orderBy("releases.created_at")
    .execute();
  const files = await db
    .selectFrom("files")
    .innerJoin("projects", "projects.id", "files.project_id")
    .selectAll("files")
    .where("projects.ecosystem", "=", ecosystem)
    .where("projects.quarantined_at", "is", null)
    .orderBy("files.filename")
    .execute();
  const filesOf = filesByRelease(files);
  // push, not spread: copying the list per release made a project's history quadratic.
  const out = new Map<string, Release[]>();
  for (const r of releases) {
    const release = toRelease(r, filesOf.get(r.id) ?? []);
    const list = out.get(r.project_id);
    if (list) list.push(release);
    else out.set(r.project_id, [release]);
  }
  return out;
}

export async function findRelease(
  db: DbExecutor,
  projectId: string,
  canonicalVersion: string,
): Promise<Release | null> {
  const r = await db
    .selectFrom("releases")
    .select(releaseColumns)
    .where("project_id", "=", projectId)
    .where("canonical_version", "=", canonicalVersion)
    .executeTakeFirst();
  if (!r) return null;
  const files = await db
    .selectFrom("files")
    .selectAll()
    .where("release_id", "=", r.id)
    .orderBy("filename")
    .execute();
  return toRelease(r, files.map(toFile));
}

/** True if this file name was ever used, even if the file was deleted since (names are never reused). */
export async function filenameEverUsed(db: DbExecutor, filename: string): Promise<boolean> {
  return Boolean(
    await db
      .selectFrom("filename_journal")
      .select("filename")
      .where("filename", "=", filename)
      .executeTakeFirst(),
  );
}

export async function findFileByName(
  db: DbExecutor,
  filename: string,
): Promise<(FileRecord & { projectId: string }) | null> {
  const f = await db.selectFrom("files").selectAll().where("filename", "=", filename).executeTakeFirst();
  return f ? { ...toFile(f), projectId: f.project_id } : null;
}

/** True when the release exists and is not yanked (a file download checks its release this way). */
export async function isReleaseLive(db: DbExecutor, releaseId: string): Promise<boolean> {
  const r = await db
    .selectFrom("releases")
    .select("yanked_at")
    .where("id", "=", releaseId)
    .executeTakeFirst();
  return r !== undefined && r.yanked_at === null;
}
