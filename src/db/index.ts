import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import { type MigrationContext, migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";

export type { Database } from "./schema.js";
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type DbExecutor = Db | Tx;

export interface DatabaseHandle {
  db: Db;
  dialect: "sqlite" | "postgres";
  /** The PostgreSQL schema named by `?schema=`, if any. */
  schema?: string;
  close(): Promise<void>;
}

// pg returns BIGINT (int8) as a string to avoid precision loss; our BIGINTs are epoch milliseconds and
// counters, well inside 2^53, so numbers keep both dialects identical for the code above.
const pgTypes = (pg: typeof import("pg").default) => ({
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
});

/**
 * `sqlite:PATH` (or `sqlite::memory:`) or `postgres://...`. A `?schema=NAME` on a PostgreSQL URL sets the
 * search_path, which the tests use to give each run its own schema.
 */
export function openDatabase(url: string): DatabaseHandle {
  if (url.startsWith("sqlite:")) {
    const db = new Kysely<Database>({ dialect: openSqlite(url.slice("sqlite:".length)) });
    return { db, dialect: "sqlite", close: () => db.destroy() };
  }
  const u = new URL(url);
  const schema = u.searchParams.get("schema");
  u.searchParams.delete("schema");
  // The driver is loaded when the first connection is wanted: a SQLite instance, and every CLI command
  // that never reaches the database, does not pay for importing it (issue 15, start-up).
  const pool = async () => {
    const { default: pg } = await import("pg");
    return new pg.Pool({
      connectionString: u.toString(),
      max: 10,
      types: pgTypes(pg),
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: "postgres", schema: schema ?? undefined, close: () => db.destroy() };
}

/**
 * Runs every pending migration, in order, in one transaction; the same set on both dialects. On
 * PostgreSQL an advisory lock serialises instances starting together. (Kysely's own Migrator scans
 * every schema of the database to find its tables, which breaks when other schemas come and go.)
 */
export async function migrateToLatest(
  handle: Pick<DatabaseHandle, "db" | "dialect">,
  ctx: MigrationContext = {},
): Promise<string[]> {
  return handle.db.transaction().execute(async (tx) => {
    if (handle.dialect === "postgres") await sql`select pg_advisory_xact_lock(727001)`.execute(tx);
    await sql`create table if not exists wharf_migrations (name text primary key, applied_at bigint not null)`.execute(
      tx,
    );
    const rows = await sql<{ name: string }>`select name from wharf_migrations`.execute(tx);
    const done = new Set(rows.rows.map((r) => r.name));
    const applied: string[] = [];
    for (const [name, migration] of Object.entries(migrations)) {
      if (done.has(name)) continue;
      await migration.up(tx as unknown as Kysely<unknown>, ctx);
      await sql`insert into wharf_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(tx);
      applied.push(name);
    }
    return applied;
  });
}

/** Work registered by `afterCommit` for each open transaction of `transaction()`, with its database. */
const openTransactions = new WeakMap<Tx, { db: Db; hooks: Array<(db: Db) => Promise<void>> }>();

/**
 * The one transaction helper: everything in `fn` commits together or not at all. Hooks registered with
 * `afterCommit` run once it committed (in order, awaited, so the caller's next step sees them done) and
 * never when it rolled back.
 */
export async function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: Array<(db: Db) => Promise<void>> = [];
  const result = await db.transaction().execute((tx) => {
    openTransactions.set(tx, { db, hooks });
    return fn(tx);
  });
  for (const hook of hooks) await hook(db);
  return result;
}

/**
 * Runs `hook` once what `executor` wrote is committed: at the end of its `transaction()`, or at once on
 * the database itself (each statement there commits on its own). A hook must not throw: the change it
 * follows is done. A transaction opened without `transaction()` cannot carry hooks; asking is a bug,
 * refused loudly rather than silently dropping the work.
 */
export async function afterCommit(executor: DbExecutor, hook: (db: Db) => Promise<void>): Promise<void> {
  if (!executor.isTransaction) return hook(executor as Db);
  const open = openTransactions.get(executor as Tx);
  if (!open) throw new Error("afterCommit needs a transaction opened with transaction() from src/db");
  open.hooks.push(hook);
}

/**
 * Serialises transactions that decide on the same `key` (a check that no row conflicts, then an
 * insert that no UNIQUE index can express), held until the transaction ends. PostgreSQL: a
 * transaction-scoped advisory lock; under READ COMMITTED the queries after it see what the previous
 * holder committed. SQLite needs nothing: write transactions begin IMMEDIATE (db/sqlite.ts), so they
 * already run one at a time across processes.
 */
export async function lockKey(tx: Tx, dialect: DatabaseHandle["dialect"], key: string): Promise<void> {
  if (dialect === "postgres")
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx);
}

/** True when a compare-and-swap UPDATE changed exactly one row (the caller won the race). */
export function wonRace(result: { numUpdatedRows: bigint } | { numUpdatedRows: bigint }[]): boolean {
  const r = Array.isArray(result) ? result[0] : result;
  return r !== undefined && r.numUpdatedRows === 1n;
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === "23505" ||
    err?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    /UNIQUE constraint/.test(err?.message ?? "")
  );
}
