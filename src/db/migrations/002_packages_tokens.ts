import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("normalized_name", "text", (c) => c.notNull())
    .addColumn("ultranormalized_name", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("upload_limit_bytes", "bigint")
    // Bumped on every change that alters what the indexes show; caches key on it.
    .addColumn("serial", "bigint", (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint("projects_eco_name", ["ecosystem", "normalized_name"])
    .execute();
  await db.schema
    .createIndex("projects_ultra")
    .on("projects")
    .columns(["ecosystem", "ultranormalized_name"])
    .execute();

  await db.schema
    .createTable("roles")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("roles_pk", ["project_id", "user_id"])
    .execute();
  await db.schema.createIndex("roles_user").on("roles").column("user_id").execute();

  await db.schema
    .createTable("role_invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("invited_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("closed_at", "bigint")
    .execute();
  await db.schema.createIndex("role_invitations_user").on("role_invitations").column("user_id").execute();

  await db.schema
    .createTable("releases")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("canonical_version", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("yanked_at", "bigint")
    .addColumn("yanked_reason", "text")
    .addColumn("requires_python", "text")
    .addColumn("summary", "text")
    .addColumn("description", "text")
    .addColumn("description_content_type", "text")
    .addColumn("metadata", "text", (c) => c.notNull())
    .addUniqueConstraint("releases_project_version", ["project_id", "canonical_version"])
    .execute();

  await db.schema
    .createTable("files")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("release_id", "text", (c) => c.notNull().references("releases.id").onDelete("cascade"))
    .addColumn("filename", "text", (c) => c.notNull().unique())
    .addColumn("packagetype", "text", (c) => c.notNull())
    .addColumn("python_version", "text")
    .addColumn("requires_python", "text")
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("blake2b_256", "text", (c) => c.notNull())
    .addColumn("md5", "text", (c) => c.notNull())
    .addColumn("blob_key", "text", (c) => c.notNull())
    .addColumn("metadata_sha256", "text")
    .addColumn("metadata_blob_key", "text")
    .addColumn("uploaded_at", "bigint", (c) => c.notNull())
    .addColumn("uploaded_by", "text")
    .execute();
  await db.schema.createIndex("files_release").on("files").column("release_id").execute();
  await db.schema.createIndex("files_project").on("files").column("project_id").execute();

  // File names are never reused, even after deletion (PyPI): this journal outlives the files rows.
  await db.schema
    .createTable("filename_journal")
    .addColumn("filename", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("download_counts")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("day", "integer", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("download_counts_pk", ["project_id", "day"])
    .execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // Public part of the token used to find its row; the secret is compared by hash in constant time.
    .addColumn("lookup", "text", (c) => c.notNull().unique())
    .addColumn("token_hash", "text", (c) => c.notNull())
    .addColumn("display_prefix", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("issued_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("api_tokens_user").on("api_tokens").column("user_id").execute();

  await db.schema
    .createTable("api_token_projects")
    .addColumn("token_id", "text", (c) => c.notNull().references("api_tokens.id").onDelete("cascade"))
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("api_token_projects_pk", ["token_id", "project_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    "api_token_projects",
    "api_tokens",
    "download_counts",
    "filename_journal",
    "files",
    "releases",
    "role_invitations",
    "roles",
    "projects",
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
