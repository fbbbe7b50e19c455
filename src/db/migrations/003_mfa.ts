import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("totp_credentials")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    // AEAD envelope (lib/crypto.ts Keyring.encrypt) bound to the user id; never stored in clear.
    .addColumn("secret_enc", "text", (c) => c.notNull())
    // The last accepted 30-second step: a code is accepted once per step (NIST 800-63B, ASVS 2.8.4).
    .addColumn("last_step", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();
  await db.schema.createIndex("recovery_codes_user").on("recovery_codes").column("user_id").execute();

  await db.schema
    .createTable("webauthn_credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("credential_id", "text", (c) => c.notNull().unique())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("counter", "bigint", (c) => c.notNull())
    .addColumn("transports", "text", (c) => c.notNull())
    .addColumn("aaguid", "text", (c) => c.notNull())
    .addColumn("backup_eligible", "integer", (c) => c.notNull())
    .addColumn("backup_state", "integer", (c) => c.notNull())
    // 1 = a passkey (discoverable, user-verified): signs in without a password.
    .addColumn("is_passkey", "integer", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .execute();
  await db.schema.createIndex("webauthn_user").on("webauthn_credentials").column("user_id").execute();

  // Single-use challenges: WebAuthn ceremonies and the login second step, spent by compare-and-swap.
  await db.schema
    .createTable("auth_challenges")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text")
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("challenge", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();

  await db.schema
    .createTable("remembered_browsers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_agent", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("remembered_user").on("remembered_browsers").column("user_id").execute();

  await db.schema.alterTable("users").addColumn("mfa_enrolled_at", "bigint").execute();
  await db.schema.alterTable("users").addColumn("mfa_checkup_at", "bigint").execute();
  await db.schema
    .alterTable("sessions")
    .addColumn("auth_method", "text", (c) => c.notNull().defaultTo("password"))
    .execute();
  await db.schema
    .alterTable("sessions")
    .addColumn("phishing_resistant", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    "remembered_browsers",
    "auth_challenges",
    "webauthn_credentials",
    "recovery_codes",
    "totp_credentials",
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
