import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../test-support/index.js";
import { lastReport, type PurgeReport, purgeAndReport, purgeSpent } from "./index.js";

const DAY = 86_400_000;

describe.each(testDatabases())("purge of spent records (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  /** `n` rows per table long expired (or revoked), and live ones beside them, for one user. */
  async function seed(n: number) {
    const { user } = await maintainer(t, "alice");
    const now = t.clock.now();
    const db = t.deps.db;
    const old = now - 10 * DAY;
    const live = now + DAY;
    const rows = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (const [tag, expires] of [
      ["dead", old],
      ["live", live],
    ] as const) {
      const count = tag === "dead" ? n : 2;
      for (const id of rows(tag, count)) {
        await db
          .insertInto("email_tokens")
          .values({
            id: `et-${id}`,
            user_id: user.id,
            purpose: "verify",
            email: "a@example.com",
            created_at: old,
            expires_at: expires,
            used_at: null,
          })
          .execute();
        await db
          .insertInto("sessions")
          .values({
            id_hash: `s-${id}`,
            public_id: `p-${id}`,
            user_id: user.id,
            created_at: old,
            last_seen_at: old,
            expires_at: expires,
            sudo_until: null,
            ip: "127.0.0.1",
            user_agent: "test",
            revoked_at: null,
            auth_method: "password",
            phishing_resistant: 0,
          })
          .execute();
        await db
          .insertInto("auth_challenges")
          .values({
            id: `c-${id}`,
            user_id: user.id,
            purpose: "webauthn-login",
            challenge: id,
            created_at: old,
            expires_at: expires,
            used_at: tag === "dead" ? old : null,
          })
          .execute();
        await db
          .insertInto("remembered_browsers")
          .values({
            id: `r-${id}`,
            user_id: user.id,
            token_hash: `h-${id}`,
            user_agent: "test",
            created_at: old,
            expires_at: expires,
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
        // Spent OIDC token ids; the live one shares its jti with a dead one of another issuer.
        await db
          .insertInto("oidc_jti_used")
          .values({
            issuer: tag === "dead" ? "https://a" : "https://b",
            jti: id.replace("live", "dead"),
            expires_at: expires,
          })
          .execute();
        await db
          .insertInto("cli_web_auth")
          .values({
            id: `w-${id}`,
            kind: "login",
            user_id: null,
            done_hash: `d-${id}`,
            description: "",
            operation: "login",
            ip: "127.0.0.1",
            created_at: old,
            expires_at: expires,
            confirmed_at: null,
            denied_at: null,
            result_enc: null,
            delivered_at: null,
            otp_hash: null,
            spent_at: null,
          })
          .execute();
      }
    }
    // A session revoked long ago but not yet expired is spent too; one revoked just now is kept a while.
    await db.updateTable("sessions").set({ revoked_at: old }).where("id_hash", "=", "s-live-0").execute();
    await db.updateTable("sessions").set({ revoked_at: now }).where("id_hash", "=", "s-live-1").execute();
    return user;
  }

  const count = async (
    table:
      | "email_tokens"
      | "sessions"
      | "auth_challenges"
      | "remembered_browsers"
      | "cli_web_auth"
      | "oidc_jti_used",
  ) =>
    Number(
      (
        await t.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("deletes only expired and revoked records, and keeps the security history", async () => {
    await seed(5);
    const eventsBefore = await t.deps.db.selectFrom("events").select("id").execute();
    const report = await purgeSpent(t.deps);
    expect(report.deleted).toEqual({
      email_tokens: 5,
      sessions: 6,
      auth_challenges: 5,
      remembered_browsers: 5,
      cli_web_auth: 5,
      oidc_jti_used: 5,
    });
    expect(report.backlog).toEqual([]);
    expect(await count("oidc_jti_used")).toBe(2);
    expect(await count("email_tokens")).toBe(2);
    expect(await count("auth_challenges")).toBe(2);
    expect(await count("remembered_browsers")).toBe(2);
    expect(await count("cli_web_auth")).toBe(2);
    const sessions = await t.deps.db.selectFrom("sessions").select("id_hash").execute();
    expect(sessions.map((s) => s.id_hash)).toEqual(["s-live-1"]);
    expect(await t.deps.db.selectFrom("events").select("id").execute()).toEqual(eventsBefore);
    expect(eventsBefore.length).toBeGreaterThan(0);
  });

  it("works in bounded batches and leaves a backlog for the next run past its cap", async () => {
    await seed(7);
    const first = await purgeSpent(t.deps, { batchSize: 2, maxBatches: 2 });
    // Two statements of two rows per table: 4 of 7 gone, the rest reported as a backlog.
    expect(first.deleted.email_tokens).toBe(4);
    expect(first.backlog).toContain("email_tokens");
    expect(await count("email_tokens")).toBe(2 + 3);
    const second = await purgeSpent(t.deps, { batchSize: 2, maxBatches: 2 });
    expect(second.deleted.email_tokens).toBe(3);
    expect(second.backlog).not.toContain("email_tokens");
    expect(await count("email_tokens")).toBe(2);
  });

  it("keeps a record expired less than the retention ago", async () => {
    await seed(0);
    t.clock.advance(DAY + 60_000);
    // The live rows expired a minute ago: within the default day of retention.
    expect((await purgeSpent(t.deps)).deleted.email_tokens).toBe(0);
    t.clock.advance(DAY);
    expect((await purgeSpent(t.deps)).deleted.email_tokens).toBe(2);
  });

  it("keeps the last report for the operator", async () => {
    await seed(3);
    await purgeAndReport(t.deps);
    expect((await lastReport<PurgeReport>(t.deps.db, "purge"))?.deleted.email_tokens).toBe(3);
  });
});
