import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, transaction } from "./index.js";

// Each writer is its own process, as a `wharf` CLI command is next to a running server: better-sqlite3
// is synchronous, so two connections in one process cannot interleave a transaction with a busy wait.
const DB_MODULE = pathToFileURL(join(import.meta.dirname, "../../dist/db/index.js")).href;

/** A process that runs `rounds` read-then-write transactions on the counter, pausing between the two. */
const WRITER = `
const { openDatabase, transaction } = await import(process.argv[1]);
const { sql } = await import("kysely");
const handle = openDatabase(process.argv[2]);
let failures = [];
for (let i = 0; i < Number(process.argv[3]); i++) {
  try {
    await transaction(handle.db, async (tx) => {
      const { rows } = await sql\`select n from counter\`.execute(tx);
      await new Promise((r) => setTimeout(r, 2));
      await sql\`update counter set n = \${rows[0].n + 1}\`.execute(tx);
    });
  } catch (e) { failures.push(e.code ?? e.message); }
}
await handle.close();
console.log(JSON.stringify(failures));
`;

describe("SQLite write transactions across processes", () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(new URL(DB_MODULE))) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dir = mkdtempSync(join(tmpdir(), "wharf-sqlite-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("two processes doing read-then-write transactions never fail with SQLITE_BUSY_SNAPSHOT", async () => {
    const url = `sqlite:${join(dir, "race.db")}`;
    const handle = openDatabase(url);
    await sql`create table counter (n integer not null)`.execute(handle.db);
    await sql`insert into counter (n) values (0)`.execute(handle.db);
    const rounds = 60;
    const run = () =>
      promisify(execFile)(process.execPath, [
        "--input-type=module",
        "-e",
        WRITER,
        DB_MODULE,
        url,
        String(rounds),
      ]);
    const outs = await Promise.all([run(), run(), run()]);
    const failures = outs.flatMap((o) => JSON.parse(o.stdout) as string[]);
    expect(failures).toEqual([]);
    // Every increment survived: no transaction worked on a stale read.
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(handle.db);
    expect(rows[0]!.n).toBe(3 * rounds);
    await transaction(handle.db, async (tx) => sql`select 1`.execute(tx));
    await handle.close();
  });

  it("creates the database and its WAL readable by the owner only", async () => {
    const path = join(dir, "sub", "private.db");
    const handle = openDatabase(`sqlite:${path}`);
    await sql`create table t (x integer)`.execute(handle.db);
    await sql`insert into t values (1)`.execute(handle.db);
    for (const f of [path, `${path}-wal`, `${path}-shm`])
      expect((statSync(f).mode & 0o777).toString(8)).toBe("600");
    expect((statSync(join(dir, "sub")).mode & 0o777).toString(8)).toBe("700");
    await handle.close();
  });
});
