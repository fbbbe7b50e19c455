import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../accounts/index.js";
import { recordEvent } from "../events/index.js";
import { addRole, insertProject } from "../packages/index.js";
import {
  createTestApp,
  FormClient,
  type TestApp,
  testDatabases,
  textOf,
  tokenFor,
} from "../test-support/index.js";
import { account, auditRows, PASSWORD, signedInAdmin, totpAdmin } from "./test-helpers.js";

describe.each(testDatabases())("console: users on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  const userRow = async (username: string) =>
    t.deps.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirstOrThrow();
  const openSessions = async (userId: string) =>
    (
      await t.deps.db
        .selectFrom("sessions")
        .select("id_hash")
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .execute()
    ).length;
  const eventsOf = async (userId: string, type: string) =>
    (
      await t.deps.db
        .selectFrom("events")
        .select(["data", "ip"])
        .where("user_id", "=", userId)
        .where("type", "=", type)
        .execute()
    ).map((e) => ({ ip: e.ip, data: JSON.parse(e.data) as Record<string, unknown> }));
  /** Whether the registry still accepts the token (npm whoami answers 401 otherwise). */
  const tokenWorks = async (token: string) =>
    (await t.app.inject({ url: "/npm/-/whoami", headers: { authorization: `Bearer ${token}` } }))
      .statusCode === 200;

  it("searches by username or email substring, newest first, with each account's strongest factor", async () => {
    const { web } = await signedInAdmin(t);
    await account(t, "old_timer", "old@corp.example");
    t.clock.advance(1000);
    await account(t, "oldtimer2", "someone@old-mail.example");
    t.clock.advance(1000);
    const frozen = await account(t, "newbie");
    await t.deps.db.updateTable("users").set({ is_frozen: 1 }).where("id", "=", frozen.id).execute();

    const rows = (body: string) => [...body.matchAll(/data-user="([^"]+)"/g)].map((m) => m[1]);
    expect(rows((await web.get("/admin/users?q=OLD")).body)).toEqual(["oldtimer2", "old_timer"]);
    // "_" is a literal character, not LIKE's any-character wildcard.
    expect(rows((await web.get("/admin/users?q=d_t")).body)).toEqual(["old_timer"]);
    expect(rows((await web.get("/admin/users?q=old-mail")).body)).toEqual(["oldtimer2"]);
    expect(rows((await web.get("/admin/users?q=%25")).body)).toEqual([]);
    const all = await web.get("/admin/users");
    expect(rows(all.body)).toEqual(["newbie", "oldtimer2", "old_timer", "root"]);
    expect(all.body).toMatch(/data-user="root">.*?data-mfa="key"/s);
    expect(all.body).toMatch(/data-user="newbie">.*?frozen.*?data-mfa="none"/s);
  });

  it("shows an account: factors, sessions, tokens, projects and recent events", async () => {
    const { web } = await signedInAdmin(t);
    const bob = await account(t, "bob");
    await startSession(t.deps, { ip: "10.1.1.1" }, bob, "password");
    await tokenFor(t, bob.id, null);
    const project = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "Bobs-Tool",
      normalizedName: "bobs-tool",
      ultranormalizedName: "b0bst001",
    });
    await addRole(t.deps.db, t.clock.now(), project.id, bob.id, "owner");
    const page = await web.get("/admin/users/BOB");
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body, "stat-sessions")).toBe("1");
    expect(textOf(page.body, "stat-tokens")).toBe("1");
    expect(page.body).toContain('href="/admin/projects/pypi/Bobs-Tool"');
    expect(page.body).toContain('data-event="account.created"');
    expect((await web.get("/admin/users/nobody")).statusCode).toBe(404);
  });

  it("summarises an account at the top and pages its events instead of listing them all", async () => {
    const { web } = await signedInAdmin(t);
    const bob = await account(t, "bob");
    for (let i = 0; i < 45; i++) {
      t.clock.advance(60_000);
      await recordEvent(
        t.deps.db,
        t.clock.now(),
        { ip: "10.1.1.1" },
        {
          type: "login.success",
          userId: bob.id,
          data: { method: "password" },
        },
      );
    }
    const lastAt = new Date(t.clock.now()).toISOString();
    const page = await web.get("/admin/users/bob");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-summary="factor"><dt>Strongest factor</dt><dd>none</dd>');
    expect(page.body).toContain('data-summary="recovery"><dt>Open recovery</dt><dd>none</dd>');
    expect(page.body).toMatch(new RegExp(`data-summary="last-sign-in">.*?datetime="${lastAt}"`, "s"));
    expect(page.body).toContain("<li>Signed in: <b>45</b></li>");
    const shown = (body: string) => [...body.matchAll(/data-event="/g)].length;
    expect(shown(page.body)).toBe(20);
    expect(page.body).toContain("<dt>Method</dt><dd>password</dd>");
    const older = /id="older-events" href="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, "&") ?? "";
    expect(older).toMatch(/^\/admin\/users\/bob\?events_before=[0-9a-f]+#events-h$/);
    const second = await web.get(older.replace(/#.*/, ""));
    expect(shown(second.body)).toBe(20);
    const third = /id="older-events" href="([^"]+)"/.exec(second.body)?.[1]?.replace(/#.*/, "") ?? "";
    const last = await web.get(third);
    // 45 sign-ins and the account's creation: 6 left on the third page, and no further link.
    expect(shown(last.body)).toBe(6);
    expect(last.body).not.toContain('id="older-events"');
  });

  it("freezes: sessions end, sign-in and tokens are refused, the user is told; unfreezes", async () => {
    const { web, id: adminId } = await signedInAdmin(t);
    const bob = await account(t, "bob");
    const bobWeb = new FormClient(t.app, "10.3.0.1");
    await bobWeb.get("/account/login");
    expect((await bobWeb.post("/account/login", { username: "bob", password: PASSWORD })).statusCode).toBe(
      303,
    );
    const token = await tokenFor(t, bob.id, null);
    expect(await tokenWorks(token)).toBe(true);

    await web.get("/admin/users/bob");
    const res = await web.post("/admin/users/bob/freeze", { reason: "  spam   wave, ticket 42 " });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/users/bob");
    const after = await web.get("/admin/users/bob");
    expect(after.body).toContain("bob is frozen; 1 session ended.");
    expect(after.body).toContain('action="/admin/users/bob/unfreeze"');
    expect((await userRow("bob")).is_frozen).toBe(1);
    expect(await openSessions(bob.id)).toBe(0);
    expect((await bobWeb.get("/account/")).statusCode).toBe(303);
    const again = new FormClient(t.app, "10.3.0.2");
    await again.get("/account/login");
    expect((await again.post("/account/login", { username: "bob", password: PASSWORD })).statusCode).not.toBe(
      303,
    );
    expect(await tokenWorks(token)).toBe(false);
    // The user's history has it, without the operator's IP address; the audit log has the operator.
    expect(await eventsOf(bob.id, "account.frozen")).toEqual([
      { ip: null, data: { reason: "spam wave, ticket 42", by: "root", sessionsEnded: 1 } },
    ]);
    const [audit] = await auditRows(t);
    expect(audit).toMatchObject({
      action: "user.freeze",
      actor_id: adminId,
      actor_name: "root",
      target_type: "user",
      target: "bob",
      reason: "spam wave, ticket 42",
      ip: "10.77.0.1",
      data: { sessionsEnded: 1 },
    });
    expect((await t.outbox()).some((m) => m.to === "bob@example.com" && m.subject.includes("frozen"))).toBe(
      true,
    );

    // Freezing twice is refused beside the form, and nothing more is recorded.
    const twice = await web.post("/admin/users/bob/freeze", { reason: "again please" });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain("already frozen");

    expect((await web.post("/admin/users/bob/unfreeze", { reason: "appeal accepted" })).statusCode).toBe(303);
    expect((await userRow("bob")).is_frozen).toBe(0);
    expect(await tokenWorks(token)).toBe(true);
    expect((await auditRows(t)).map((r) => r.action)).toEqual(["user.freeze", "user.unfreeze"]);
    expect(await eventsOf(bob.id, "account.unfrozen")).toHaveLength(1);
  });

  it("resets a user's factors through the operator reset, audited once", async () => {
    const { web } = await signedInAdmin(t);
    const { web: carol } = await signedInAdmin(t, "carol", "10.77.0.2");
    const carolId = (await userRow("carol")).id;
    await web.get("/admin/users/carol");
    const res = await web.post("/admin/users/carol/reset-mfa", { reason: "verified by video call" });
    expect(res.statusCode).toBe(303);
    expect(
      await t.deps.db
        .selectFrom("webauthn_credentials")
        .select("id")
        .where("user_id", "=", carolId)
        .execute(),
    ).toEqual([]);
    expect(
      await t.deps.db.selectFrom("recovery_codes").select("user_id").where("user_id", "=", carolId).execute(),
    ).toEqual([]);
    expect((await carol.get("/account/")).statusCode).toBe(303);
    expect(await eventsOf(carolId, "mfa.reset")).toHaveLength(1);
    const audits = await auditRows(t);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: "user.reset_mfa",
      target: "carol",
      reason: "verified by video call",
      data: { totp: false, keys: 1, recoveryCodes: 10 },
    });
    expect((await t.outbox()).some((m) => m.to === "carol@example.com" && m.subject.includes("reset"))).toBe(
      true,
    );
    // Nothing left to reset: refused, not audited again.
    await web.get("/admin/users/carol");
    const empty = await web.post("/admin/users/carol/reset-mfa", { reason: "verified by video call" });
    expect(empty.statusCode).toBe(409);
    expect(await auditRows(t)).toHaveLength(1);
  });

  it("revokes every session, API token and remembered browser", async () => {
    const { web } = await signedInAdmin(t);
    const bob = await account(t, "bob");
    await startSession(t.deps, { ip: "10.1.1.1" }, bob, "password");
    await startSession(t.deps, { ip: "10.1.1.2" }, bob, "password");
    const token = await tokenFor(t, bob.id, null);
    await web.get("/admin/users/bob");
    const res = await web.post("/admin/users/bob/revoke", { reason: "laptop stolen" });
    expect(res.statusCode).toBe(303);
    expect((await web.get("/admin/users/bob")).body).toContain(
      "2 sessions, 1 API token and 0 remembered browsers",
    );
    expect(await openSessions(bob.id)).toBe(0);
    expect(await tokenWorks(token)).toBe(false);
    expect((await eventsOf(bob.id, "account.signed_out_everywhere"))[0]?.data).toEqual({
      reason: "laptop stolen",
      by: "root",
      sessions: 2,
      tokens: 1,
      browsers: 0,
    });
    expect((await auditRows(t)).map((r) => [r.action, r.data])).toEqual([
      ["user.revoke_credentials", { sessions: 2, tokens: 1, browsers: 0 }],
    ]);
    const nothing = await web.post("/admin/users/bob/revoke", { reason: "laptop stolen" });
    expect(nothing.statusCode).toBe(409);
    expect(await auditRows(t)).toHaveLength(1);
  });

  it("refuses to freeze or reset the acting admin's own account, and offers only the other forms", async () => {
    const { web } = await signedInAdmin(t);
    const page = await web.get("/admin/users/root");
    expect(page.body).toContain("another admin must freeze it");
    expect(page.body).not.toContain('action="/admin/users/root/freeze"');
    for (const action of ["freeze", "reset-mfa"]) {
      const res = await web.post(`/admin/users/root/${action}`, { reason: "testing myself" });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain("Use another admin account");
    }
    expect((await userRow("root")).is_frozen).toBe(0);
    expect(await auditRows(t)).toEqual([]);
  });

  it("puts a missing or short reason beside that form's field, keeping what was typed", async () => {
    const { web } = await signedInAdmin(t);
    await account(t, "bob");
    await web.get("/admin/users/bob");
    const res = await web.post("/admin/users/bob/revoke", { reason: "no" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "revoke-reason-error")).toContain("Give a reason");
    expect(res.body).toMatch(/id="revoke-reason" name="reason" type="text" value="no"/);
    expect(textOf(res.body, "freeze-reason-error")).toBeUndefined();
    const admin = await totpAdmin(t, "weakling", "10.78.0.1");
    expect((await admin.get("/admin/users")).statusCode).toBe(403);
  });
});
