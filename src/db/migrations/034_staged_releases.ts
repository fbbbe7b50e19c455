import type { Kysely } from "kysely";

/*
 * Staged releases (issue 16, item 5): a release uploaded by a machine (API token, trusted publisher)
 * that goes live only when a maintainer approves it with a second factor. The files' blobs sit in the
 * blob store under their final keys from the start (housekeeping's reconcile counts staged_files as
 * naming them); nothing serves them until approval inserts the ordinary release and file rows.
 * staged_files rows live only while their release is pending: approval moves them into `files`,
 * rejection and expiry journal their names (never reused, as for deletions) and delete them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("staged_releases")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("canonical_version", "text", (c) => c.notNull())
    .addColumn("tag", "text")
    .addColumn("release_json", "text", (c) => c.notNull())
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("token_id", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("phishing_resistant", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("decided_by", "text")
    .addColumn("decided_at", "bigint")
    .addColumn("decided_factor", "text")
    .execute();
  await db.schema
    .createIndex("staged_releases_project")
    .on("staged_releases")
    .columns(["project_id", "state"])
    .execute();
  await db.schema
    .createIndex("staged_releases_state_expiry")
    .on("staged_releases")
    .columns(["state", "expires_at"])
    .execute();
  await db.schema
    .createTable("staged_files")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("staged_release_id", "text", (c) =>
      c.notNull().references("staged_releases.id").onDelete("cascade"),
    )
    // One pending file per name: two drafts cannot hold the same name.
    .addColumn("filename", "text", (c) => c.notNull().unique())
    .addColumn("file_json", "text", (c) => c.notNull())
    .addColumn("blob_key", "text", (c) => c.notNull())
    .addColumn("metadata_blob_key", "text")
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("staged_files_release")
    .on("staged_files")
    .column("staged_release_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("staged_files").execute();
  await db.schema.dropTable("staged_releases").execute();
}
