import { randomBytes } from "node:crypto";
import pg from "pg";
import { requirement } from "./requirements.js";

export type DbKind = "sqlite" | "postgres";

/**
 * The databases every database test runs on: SQLite always; PostgreSQL when WHARF_TEST_DATABASE_URL is
 * set (CI sets it — and with CI=true a missing PostgreSQL is a failure, not a skip).
 */
export function testDatabases(): DbKind[] {
  const pgReq = requirement("postgres");
  return pgReq.available ? ["sqlite", "postgres"] : ["sqlite"];
}

/** A fresh PostgreSQL schema for one test app; `drop` removes it and everything in it. */
export async function createPgSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.WHARF_TEST_DATABASE_URL;
  if (!base) throw new Error("WHARF_TEST_DATABASE_URL is not set");
  const schema = `wharf_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const url = new URL(base);
  url.searchParams.set("schema", schema);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
