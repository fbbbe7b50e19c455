import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Criticality: set by the daily job (auto) or by an admin (manual, with a reason). Sticky by default.
  await db.schema.alterTable("projects").addColumn("critical_since", "bigint").execute();
  await db.schema
    .alterTable("projects")
    .addColumn("critical_manual", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("projects").addColumn("critical_reason", "text").execute();
  // An owner's own requirement for everyone who publishes: none | any | phishing-resistant.
  await db.schema
    .alterTable("projects")
    .addColumn("mfa_requirement", "text", (c) => c.notNull().defaultTo("none"))
    .execute();

  await db.schema
    .createTable("criticality_rules")
    .addColumn("ecosystem", "text", (c) => c.primaryKey())
    // top-percent | top-k | threshold
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addColumn("window_days", "integer", (c) => c.notNull())
    .addColumn("sticky", "integer", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("mandates")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    // pypi | npm | null (every ecosystem)
    .addColumn("ecosystem", "text")
    // critical | all-projects | threshold | projects | all-users
    .addColumn("cohort", "text", (c) => c.notNull())
    // threshold: downloads over window_days; projects: JSON list of normalized names
    .addColumn("cohort_value", "text")
    .addColumn("window_days", "integer", (c) => c.notNull().defaultTo(180))
    // any | phishing-resistant
    .addColumn("strength", "text", (c) => c.notNull())
    .addColumn("notice_at", "bigint", (c) => c.notNull())
    .addColumn("warn_at", "bigint", (c) => c.notNull())
    .addColumn("enforce_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("archived_at", "bigint")
    .execute();

  // Which mandate mail each person got, so "one notice" and "one warning per 14 days" hold across instances.
  await db.schema
    .createTable("mandate_notices")
    .addColumn("mandate_id", "text", (c) => c.notNull().references("mandates.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("sent_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("mandate_notices_pk", ["mandate_id", "user_id", "kind"])
    .execute();

  // A lease so a job (criticality, notices) runs on one instance at a time.
  await db.schema
    .createTable("job_leases")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["job_leases", "mandate_notices", "mandates", "criticality_rules"])
    await db.schema.dropTable(t).execute();
}
