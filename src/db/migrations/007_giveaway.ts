import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Promo codes from a security-key vendor, loaded by an admin; each given to one person, once.
  await db.schema
    .createTable("giveaway_codes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("batch", "text", (c) => c.notNull())
    .addColumn("loaded_at", "bigint", (c) => c.notNull())
    .addColumn("claimed_by", "text", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("claimed_at", "bigint")
    .execute();
  await db.schema.createIndex("giveaway_claimed_by").on("giveaway_codes").column("claimed_by").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("giveaway_codes").execute();
}
