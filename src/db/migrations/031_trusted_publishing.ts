import { type Kysely, sql } from "kysely";

/*
 * Trusted publishing (issue 16): CI proves who it is with its provider's OIDC token and gets a
 * short-lived upload token for one project.
 *
 * trusted_publishers: one row per configured publisher. project_id is NULL for a *pending* publisher
 * (PyPI's kind): it names a project that does not exist yet (pending_project_name, normalised in
 * pending_normalized_name, per ecosystem) and reserves it for created_by; its first successful
 * exchange creates the project owned by that account and fills project_id. The *_id columns hold the
 * provider's immutable ids (GitHub repository_id / repository_owner_id, GitLab project id / namespace
 * id). A publisher added with names only (npm's CLI sends no ids) gets them recorded on first use and
 * required after, so a deleted-and-recreated repository of the same name cannot publish.
 *
 * api_tokens.publisher_id: the publisher whose exchange minted the token (a trusted-publisher token:
 * upload only, its own actor kind in authz), and publisher_claims the token's claims that matter (JSON),
 * copied into publish_provenance by each upload made with it. Removing the publisher revokes its live
 * tokens.
 *
 * publish_provenance: the claims that matter of each version/file published with such a token
 * (repository, workflow, ref, sha, run), kept for pages, the JSON API and the packument.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("trusted_publishers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("pending_project_name", "text")
    .addColumn("pending_normalized_name", "text")
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("repository", "text", (c) => c.notNull())
    .addColumn("repository_id", "text")
    .addColumn("repository_owner", "text", (c) => c.notNull())
    .addColumn("repository_owner_id", "text")
    .addColumn("workflow", "text", (c) => c.notNull())
    .addColumn("environment", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .execute();
  await db.schema
    .createIndex("trusted_publishers_project")
    .on("trusted_publishers")
    .column("project_id")
    .execute();
  await db.schema
    .createIndex("trusted_publishers_pending")
    .on("trusted_publishers")
    .columns(["ecosystem", "pending_normalized_name"])
    .where(sql.ref("project_id"), "is", null)
    .execute();
  await db.schema.alterTable("api_tokens").addColumn("publisher_id", "text").execute();
  await db.schema.alterTable("api_tokens").addColumn("publisher_claims", "text").execute();
  await db.schema
    .createTable("publish_provenance")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("release_id", "text", (c) => c.notNull())
    .addColumn("file_id", "text")
    .addColumn("publisher_id", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("claims", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("publish_provenance_release")
    .on("publish_provenance")
    .columns(["project_id", "release_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("publish_provenance").execute();
  await db.schema.alterTable("api_tokens").dropColumn("publisher_claims").execute();
  await db.schema.alterTable("api_tokens").dropColumn("publisher_id").execute();
  await db.schema.dropTable("trusted_publishers").execute();
}
