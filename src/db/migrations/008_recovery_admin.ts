import { type Kysely, SqliteAdapter, sql } from "kysely";

/*
 * Account recovery and the operator console (src/recovery, src/admin).
 *
 * - recovery_requests: one per "I can't use any of my factors" after the email was confirmed. Proofs
 *   are checked by machine (JSON list); the state machine lives in src/recovery/requests.ts.
 * - abandoned_email_domains: an admin marks a domain whose registration lapsed; its addresses can no
 *   longer recover an account (OpenSSF L2: whoever re-registers the domain gets the mail).
 * - prohibited_names: names no one may create (typosquats of critical projects, reserved words).
 * - admin_audit: every admin action, append-only: triggers refuse UPDATE and DELETE on both databases,
 *   so not even a bug in Wharf can rewrite the history an operator is accountable for.
 * - mfa_snapshots: MFA adoption per cohort and day, for the console's charts (one row a day and cohort).
 * - users.mfa_required_at: set when recovery reset the factors; the user must enroll one before anything
 *   else (cleared by the first new factor).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema.alterTable("users").addColumn("mfa_required_at", "bigint").execute();

  await db.schema
    .createTable("recovery_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // proofs | waiting | queued | completed | cancelled | denied | expired
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("submitted_at", "bigint")
    .addColumn("wait_until", "bigint")
    .addColumn("proofs", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("critical", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("approved_by", "text")
    .addColumn("decided_at", "bigint")
    .addColumn("decided_by", "text")
    .addColumn("decision_reason", "text")
    .addColumn("requester_ip", "text", (c) => c.notNull())
    .addColumn("requester_ua", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("recovery_requests_user")
    .on("recovery_requests")
    .columns(["user_id", "state"])
    .execute();
  await db.schema
    .createIndex("recovery_requests_state")
    .on("recovery_requests")
    .columns(["state", "created_at"])
    .execute();

  await db.schema
    .createTable("abandoned_email_domains")
    .addColumn("domain", "text", (c) => c.primaryKey())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("marked_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("prohibited_names")
    .addColumn("ecosystem", "text", (c) => c.notNull())
    .addColumn("normalized_name", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("prohibited_names_pk", ["ecosystem", "normalized_name"])
    .execute();

  await db.schema
    .createTable("admin_audit")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("ip", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("admin_audit_action").on("admin_audit").columns(["action", "id"]).execute();
  await db.schema.createIndex("admin_audit_target").on("admin_audit").columns(["target", "id"]).execute();
  if (sqlite) {
    await sql`create trigger admin_audit_no_update before update on admin_audit
      begin select raise(abort, 'admin_audit is append-only'); end`.execute(db);
    await sql`create trigger admin_audit_no_delete before delete on admin_audit
      begin select raise(abort, 'admin_audit is append-only'); end`.execute(db);
  } else {
    await sql`create function admin_audit_append_only() returns trigger language plpgsql as $$
      begin raise exception 'admin_audit is append-only'; end $$`.execute(db);
    await sql`create trigger admin_audit_no_change before update or delete on admin_audit
      for each row execute function admin_audit_append_only()`.execute(db);
  }

  await db.schema
    .createTable("mfa_snapshots")
    .addColumn("day", "bigint", (c) => c.notNull())
    .addColumn("cohort", "text", (c) => c.notNull())
    .addColumn("total", "integer", (c) => c.notNull())
    .addColumn("any_mfa", "integer", (c) => c.notNull())
    .addColumn("phishing_resistant", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("mfa_snapshots_pk", ["day", "cohort"])
    .execute();
}
