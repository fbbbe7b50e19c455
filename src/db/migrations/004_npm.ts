import type { Kysely } from "kysely";

/**
 * npm: dist-tags, the npm CLI's token options (read-only, CIDR allow-list, 2FA bypass, npm scopes), the
 * user's npm 2FA mode, a per-package "require 2FA" setting, and the browser hand-off used by web login
 * and by security-key confirmation of CLI writes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("dist_tags")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("tag", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("dist_tags_pk", ["project_id", "tag"])
    .execute();

  // 1 = the token may read but never write (checked by policy.decide for every write, on every protocol).
  await db.schema
    .alterTable("api_tokens")
    .addColumn("readonly", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // JSON array of IPv4 CIDRs; null = any address.
  await db.schema.alterTable("api_tokens").addColumn("cidr_whitelist", "text").execute();
  // 1 = writes with this token skip the npm OTP prompt (CI), unless the package requires 2FA to publish.
  await db.schema
    .alterTable("api_tokens")
    .addColumn("bypass_2fa", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // JSON array of npm scopes ("@acme") the token also covers (existing packages in those scopes).
  await db.schema.alterTable("api_tokens").addColumn("npm_scopes", "text").execute();

  // 'auth-only' | 'auth-and-writes'; null = the default (auth-and-writes once any factor is enrolled).
  await db.schema.alterTable("users").addColumn("npm_tfa_mode", "text").execute();
  // A TOTP enrollment started by a client that keeps no state (npm profile enable-2fa), sealed.
  await db.schema.alterTable("users").addColumn("totp_pending", "text").execute();

  // npm access set mfa=none|publish|automation: whether every write needs a fresh OTP (npm's per-request
  // rule). Distinct from 005's mfa_requirement, which is about which factors publishers must have enrolled.
  await db.schema
    .alterTable("projects")
    .addColumn("npm_mfa", "text", (c) => c.notNull().defaultTo("none"))
    .execute();

  await db.schema
    .createTable("cli_web_auth")
    .addColumn("id", "text", (c) => c.primaryKey())
    // 'login' (npm login --auth-type=web) or 'otp' (a write confirmed in the browser).
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
    // sha256 of the secret in doneUrl: only the CLI that started the hand-off can collect the result.
    .addColumn("done_hash", "text", (c) => c.notNull())
    // What is being confirmed, for the page ("publish demo@1.0.0") and, for 'otp', the request it binds to.
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("operation", "text", (c) => c.notNull())
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("confirmed_at", "bigint")
    .addColumn("denied_at", "bigint")
    // The result, encrypted until the CLI collects it once (then cleared).
    .addColumn("result_enc", "text")
    .addColumn("delivered_at", "bigint")
    // 'otp' only: sha256 of the one-time code, spent once by compare-and-swap.
    .addColumn("otp_hash", "text")
    .addColumn("spent_at", "bigint")
    .execute();
  await db.schema.createIndex("cli_web_auth_otp").on("cli_web_auth").column("otp_hash").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("cli_web_auth").execute();
  await db.schema.dropTable("dist_tags").execute();
}
