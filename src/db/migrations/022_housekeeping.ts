import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * Housekeeping (issue 13 item 11).
 *
 * - missing_blobs: file rows whose blob is not in the store, as the last reconcile found them
 *   (packages/reconcile.ts). Rows are marked, never deleted: deleting them would hide data loss. The
 *   console and `wharf storage reconcile` show them; a later run that finds the blob again clears the mark.
 * - housekeeping_reports: the last report of each housekeeping job (reconcile, purge), for the operator.
 * - indexes: files by blob key (the reconcile compares one page of the store's listing with the rows in
 *   that key range; on PostgreSQL in the "C" collation, byte order, which is the order S3 lists keys in),
 *   and the expiry columns the purge job deletes by, so a batch is an index range scan, not a table scan.
 * - users by (created_at, id): the console's user list pages by keyset on it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable("missing_blobs")
    .addColumn("blob_key", "text", (c) => c.primaryKey())
    .addColumn("file_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("first_seen_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("housekeeping_reports")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .execute();
  if (sqlite) {
    // SQLite compares text with memcmp (BINARY) by default: byte order already.
    await db.schema.createIndex("files_blob_key").on("files").column("blob_key").execute();
    await db.schema.createIndex("files_metadata_blob_key").on("files").column("metadata_blob_key").execute();
  } else {
    await sql`create index files_blob_key on files (blob_key collate "C")`.execute(db);
    await sql`create index files_metadata_blob_key on files (metadata_blob_key collate "C")`.execute(db);
  }
  for (const [table, column] of [
    ["email_tokens", "expires_at"],
    ["sessions", "expires_at"],
    ["sessions", "revoked_at"],
    ["auth_challenges", "expires_at"],
    ["remembered_browsers", "expires_at"],
    ["remembered_browsers", "revoked_at"],
    ["cli_web_auth", "expires_at"],
  ] as const) {
    await db.schema.createIndex(`${table}_${column}`).on(table).column(column).execute();
  }
  await db.schema.createIndex("users_created").on("users").columns(["created_at", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    "users_created",
    "cli_web_auth_expires_at",
    "remembered_browsers_revoked_at",
    "remembered_browsers_expires_at",
    "auth_challenges_expires_at",
    "sessions_revoked_at",
    "sessions_expires_at",
    "email_tokens_expires_at",
    "files_metadata_blob_key",
    "files_blob_key",
  ]) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema.dropTable("housekeeping_reports").execute();
  await db.schema.dropTable("missing_blobs").execute();
}
