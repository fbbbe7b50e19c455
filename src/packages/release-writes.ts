import type { DbExecutor } from "../db/index.js";
import { newId } from "../lib/ids.js";
import {
  type DescriptionColumns,
  type FileRecord,
  type Release,
  type ReleaseRow,
  toFile,
  toRelease,
} from "./releases.js";

/*
 * Writing releases and files: the rows publish, yank and delete change. Reads and the row mappers are
 * in releases.ts.
 */

/** A file's blob and its core-metadata blob, if any: what to remove once a delete commits. */
const blobKeysOf = (f: { blob_key: string; metadata_blob_key: string | null }): string[] =>
  f.metadata_blob_key ? [f.blob_key, f.metadata_blob_key] : [f.blob_key];

export interface NewRelease {
  projectId: string;
  version: string;
  canonicalVersion: string;
  requiresPython: string | null;
  summary: string | null;
  description: string | null;
  descriptionContentType: string | null;
  metadata: Record<string, unknown>;
}

/** `described`: the description rendered before the transaction (descriptions.ts); omitted = lazily. */
export async function insertRelease(
  db: DbExecutor,
  now: number,
  r: NewRelease,
  described?: DescriptionColumns,
): Promise<Release> {
  const row: ReleaseRow = {
    id: newId(now),
    project_id: r.projectId,
    version: r.version,
    canonical_version: r.canonicalVersion,
    created_at: now,
    yanked_at: null,
    yanked_reason: null,
    requires_python: r.requiresPython,
    summary: r.summary,
    description: r.description,
    description_content_type: r.descriptionContentType,
    metadata: JSON.stringify(r.metadata),
  };
  await db
    .insertInto("releases")
    .values({ ...row, ...described })
    .execute();
  return toRelease(row, []);
}

export type NewFile = Omit<FileRecord, "id" | "uploadedAt"> & {
  projectId: string;
  uploadedBy: string | null;
};

export async function insertFile(db: DbExecutor, now: number, f: NewFile): Promise<FileRecord> {
  const row = {
    id: newId(now),
    project_id: f.projectId,
    release_id: f.releaseId,
    filename: f.filename,
    packagetype: f.packagetype,
    python_version: f.pythonVersion,
    requires_python: f.requiresPython,
    size: f.size,
    sha256: f.sha256,
    blake2b_256: f.blake2b256,
    md5: f.md5,
    blob_key: f.blobKey,
    metadata_sha256: f.metadataSha256,
    metadata_blob_key: f.metadataBlobKey,
    uploaded_at: now,
    uploaded_by: f.uploadedBy,
  };
  // The journal's primary key makes a concurrent second upload of the same name fail here.
  await db
    .insertInto("filename_journal")
    .values({ filename: f.filename, project_id: f.projectId, created_at: now })
    .execute();
  await db.insertInto("files").values(row).execute();
  return toFile(row);
}

export async function setYanked(
  db: DbExecutor,
  now: number,
  releaseId: string,
  reason: string | null,
  yanked: boolean,
): Promise<void> {
  await db
    .updateTable("releases")
    .set(yanked ? { yanked_at: now, yanked_reason: reason } : { yanked_at: null, yanked_reason: null })
    .where("id", "=", releaseId)
    .execute();
}

/** Deletes a release and its files; returns the blob keys to remove once the transaction commits. */
export async function deleteRelease(db: DbExecutor, releaseId: string): Promise<string[]> {
  const files = await db
    .selectFrom("files")
    .select(["blob_key", "metadata_blob_key"])
    .where("release_id", "=", releaseId)
    .execute();
  await db.deleteFrom("files").where("release_id", "=", releaseId).execute();
  await db.deleteFrom("releases").where("id", "=", releaseId).execute();
  return files.flatMap(blobKeysOf);
}

/** Deletes one file; returns its blob keys to remove once the transaction commits. */
export async function deleteFile(db: DbExecutor, fileId: string): Promise<string[]> {
  const f = await db
    .selectFrom("files")
    .select(["blob_key", "metadata_blob_key"])
    .where("id", "=", fileId)
    .executeTakeFirst();
  if (!f) return [];
  await db.deleteFrom("files").where("id", "=", fileId).execute();
  return blobKeysOf(f);
}
