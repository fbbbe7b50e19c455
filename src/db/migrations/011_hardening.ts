import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.js";

/*
 * Issue 11 (LOW 16): security-key giveaway codes are bearer secrets worth money, and were stored in
 * clear. Now:
 * - `code` becomes `code_hash`, an HMAC of the code under the server key: unique, so a code loaded twice
 *   is still skipped, and useless to whoever reads a copy of the database.
 * - `code_sealed`: the code in the AEAD envelope used for TOTP secrets (bound to the row id), because
 *   the registry must hand each code out when it is claimed and show it again to its claimer.
 * - `code_hint`: the masked form the console shows ("••••••••ABCD").
 * Existing rows are converted here, which needs the server's secret key; the derivations are spelled
 * out (not imported) so that this migration keeps doing what it did when the code moves on. They must
 * match giveaway/secrets.ts.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext = {}): Promise<void> {
  await db.schema.alterTable("giveaway_codes").addColumn("code_sealed", "text").execute();
  await db.schema.alterTable("giveaway_codes").addColumn("code_hint", "text").execute();
  const rows = await sql<{ id: string; code: string }>`select id, code from giveaway_codes`.execute(db);
  if (rows.rows.length > 0 && !ctx.keys)
    throw new Error(
      "Migration 011 encrypts the stored security-key giveaway codes and needs the server's secret key: run `wharf migrate` or `wharf serve` with the same WHARF_SECRET_KEY / data folder as the server.",
    );
  for (const r of rows.rows) {
    const keys = ctx.keys!;
    const shown = r.code.length > 8 ? 4 : Math.min(2, Math.max(0, r.code.length - 4));
    await sql`update giveaway_codes set code = ${keys.sign("giveaway-code", r.code)},
      code_sealed = ${keys.encrypt(r.code, `giveaway-code:${r.id}`)},
      code_hint = ${"•".repeat(Math.max(4, r.code.length - shown)) + r.code.slice(r.code.length - shown)}
      where id = ${r.id}`.execute(db);
  }
  await sql`alter table giveaway_codes rename column code to code_hash`.execute(db);
}
