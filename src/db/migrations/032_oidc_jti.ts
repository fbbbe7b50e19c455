import type { Kysely } from "kysely";

/*
 * Single use of an OIDC token's `jti` (issue 16): the exchange inserts (issuer, jti) before minting,
 * and the primary key makes a second insert fail, on every instance sharing the database. Rows are
 * useless once the OIDC token has expired (it is refused for that anyway); housekeeping purges them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("oidc_jti_used")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("jti", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("oidc_jti_used_pk", ["issuer", "jti"])
    .execute();
  await db.schema.createIndex("oidc_jti_used_expiry").on("oidc_jti_used").column("expires_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("oidc_jti_used").execute();
}
