import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "../db/index.js";
import { migrations } from "../db/migrations/index.js";
import { Keyring } from "../lib/crypto.js";
import { addRole, insertProject } from "../packages/index.js";
import { createPgSchema, createTestApp, type DbKind, testDatabases } from "../test-support/index.js";
import { claimCode, giveawayEligibility, loadCodes } from "./index.js";

const CODES = ["YUBI-7Q2C-K9ZP-0001", "YUBI-7Q2C-K9ZP-0002"];

/** A database as an older Wharf left it: every migration before 011 applied. */
async function databaseBefore011(kind: DbKind, cleanup: Array<() => Promise<void>>): Promise<DatabaseHandle> {
  let url: string;
  if (kind === "postgres") {
    const schema = await createPgSchema();
    cleanup.push(schema.drop);
    url = schema.url;
  } else {
    const dir = mkdtempSync(join(tmpdir(), "wharf-m011-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    url = `sqlite:${join(dir, "old.db")}`;
  }
  const handle = openDatabase(url);
  cleanup.push(() => handle.close());
  await sql`create table wharf_migrations (name text primary key, applied_at bigint not null)`.execute(
    handle.db,
  );
  for (const [name, m] of Object.entries(migrations)) {
    if (name >= "011") break;
    await m.up(handle.db as unknown as Kysely<unknown>);
    await sql`insert into wharf_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(
      handle.db,
    );
  }
  return handle;
}

describe.each(testDatabases())("giveaway codes at rest (%s)", (kind) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("stores no code in clear, yet hands each out once and shows it again to its claimer only", async () => {
    const t = await createTestApp(kind);
    cleanup.push(() => t.close());
    const now = t.clock.now();
    const project = await insertProject(t.deps.db, now, {
      ecosystem: "pypi",
      name: "hot",
      normalizedName: "hot",
      ultranormalizedName: "h0t",
    });
    await t.deps.db.updateTable("projects").set({ critical_since: now }).execute();
    const m = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "keen", email: "keen@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    await addRole(t.deps.db, now, project.id, m.id, "maintainer");

    expect(await loadCodes(t.deps, CODES.join("\n"), "b1")).toEqual({ added: 2, skipped: 0 });
    expect(await loadCodes(t.deps, CODES[0]!, "b2")).toEqual({ added: 0, skipped: 1 });
    const rows = await t.deps.db.selectFrom("giveaway_codes").selectAll().execute();
    for (const code of CODES) expect(JSON.stringify(rows)).not.toContain(code.slice(0, 14));
    expect(rows.map((r) => r.code_hint).sort()).toEqual(["•••••••••••••••0001", "•••••••••••••••0002"]);

    const got = await claimCode(t.deps, { ip: "127.0.0.1" }, m);
    expect(CODES).toContain(got);
    expect((await giveawayEligibility(t.deps, m.id)).claimed).toEqual([got]);
  });

  it("migration 011 converts the clear codes of an older database, and refuses to run without the key", async () => {
    const handle = await databaseBefore011(kind, cleanup);
    for (const [i, code] of CODES.entries())
      await sql`insert into giveaway_codes (id, code, batch, loaded_at) values (${`id${i}`}, ${code}, 'old', 1)`.execute(
        handle.db,
      );
    await expect(migrateToLatest(handle)).rejects.toThrow(/needs the server's secret key/);
    const keys = new Keyring("test-secret-key-0123456789-abcdefghijklmnop");
    expect(await migrateToLatest(handle, { keys })).toContain("011_hardening");
    const rows = await handle.db.selectFrom("giveaway_codes").selectAll().orderBy("id").execute();
    expect(JSON.stringify(rows)).not.toContain("K9ZP");
    const app = { db: handle.db, clock: { now: () => 2 }, keys };
    expect(await loadCodes(app, CODES.join("\n"), "again")).toEqual({ added: 0, skipped: 2 });
    expect(rows.map((r) => keys.decrypt(r.code_sealed, `giveaway-code:${r.id}`))).toEqual(CODES);
  });
});
