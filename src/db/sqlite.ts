import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver } from "kysely";

/**
 * Kysely's SQLite driver opens transactions with a plain (deferred) `BEGIN`: the transaction reads from
 * a snapshot and only asks for the write lock at its first write. If another process (a `wharf` CLI
 * command next to the server, or the server next to the CLI) committed in between, SQLite cannot
 * upgrade the stale snapshot and fails at once with SQLITE_BUSY_SNAPSHOT — the busy timeout does not
 * apply. `BEGIN IMMEDIATE` takes the write lock up front, so a second writer waits (busy_timeout) and
 * then reads current data. Every transaction here is immediate: a process has a single SQLite
 * connection, so its transactions are serialised anyway, and our read-only work does not use them.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

/**
 * The database holds password hashes, session and token hashes and encrypted second factors: only the
 * account running Wharf may read it (issue 11, LOW 16). SQLite creates `-wal` and `-shm` with the mode of
 * the database file, so creating the file 0600 first covers them; files from older versions are
 * tightened. A folder we create for it is 0700.
 */
function openPrivateFile(path: string): SQLite.Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
  return new SQLite(path);
}

export function openSqlite(path: string): SqliteDialect {
  const sqlite = path === ":memory:" ? new SQLite(path) : openPrivateFile(path);
  // WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  return new ImmediateSqliteDialect(sqlite);
}
