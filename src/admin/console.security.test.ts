import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../accounts/index.js";
import { insertProject } from "../packages/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import type { AuditActor } from "./audit.js";
import { abandonDomain } from "./domains.js";
import { prohibitName } from "./names.js";
import { setProjectUploadLimit } from "./projects.js";
import { account, auditRows, signedInAdmin, totpAdmin } from "./test-helpers.js";
import { freezeUser, resetUserMfa, revokeCredentials } from "./users.js";

/** Every state-changing console route, with a valid body apart from what a test takes away. */
const POSTS: Array<[string, Record<string, string>]> = [
  ["/admin/users/bob/freeze", { reason: "spam wave" }],
  ["/admin/users/bob/reset-mfa", { reason: "verified in person" }],
  ["/admin/users/bob/revoke", { reason: "laptop stolen" }],
  ["/admin/projects/pypi/demo/upload-limit", { limit_mb: "300", reason: "big wheels" }],
  ["/admin/projects/prohibited", { ecosystem: "pypi", name: "evil", reason: "typosquat" }],
  ["/admin/projects/prohibited/allow", { ecosystem: "pypi", name: "taken", reason: "mistake" }],
  ["/admin/domains", { domain: "lapsed.example", reason: "expired" }],
  ["/admin/domains/restore", { domain: "gone.example", reason: "renewed" }],
];

describe.each(testDatabases())("console threats on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  /** Targets for every POST: bob (with a session and a key-less TOTP-less account), a project, names. */
  async function targets() {
    const bob = await account(t, "bob");
    await startSession(t.deps, { ip: "10.5.0.1" }, bob, "password");
    await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "demo",
      normalizedName: "demo",
      ultranormalizedName: "dem0",
    });
    const now = t.clock.now();
    await t.deps.db
      .insertInto("prohibited_names")
      .values({
        ecosystem: "pypi",
        normalized_name: "taken",
        reason: "x",
        created_by: "seed",
        created_at: now,
      })
      .execute();
    await t.deps.db
      .insertInto("abandoned_email_domains")
      .values({ domain: "gone.example", reason: "x", marked_by: "seed", created_at: now })
      .execute();
    return bob;
  }

  /** Everything an action could have changed, to compare before and after a refused request. */
  async function snapshot() {
    const db = t.deps.db;
    return {
      users: await db.selectFrom("users").select(["username", "is_frozen"]).orderBy("username").execute(),
      sessions: await db
        .selectFrom("sessions")
        .select(["id_hash", "revoked_at"])
        .orderBy("id_hash")
        .execute(),
      projects: await db.selectFrom("projects").select(["id", "upload_limit_bytes"]).execute(),
      names: await db
        .selectFrom("prohibited_names")
        .select(["normalized_name"])
        .orderBy("normalized_name")
        .execute(),
      domains: await db.selectFrom("abandoned_email_domains").select(["domain"]).orderBy("domain").execute(),
      keys: (await db.selectFrom("webauthn_credentials").select("id").execute()).length,
      recoveryCodes: (await db.selectFrom("recovery_codes").select("user_id").execute()).length,
      events: (await db.selectFrom("events").select("id").execute()).length,
      audit: (await auditRows(t)).length,
    };
  }

  it("sends signed-out visitors to sign in and shows non-admins the ordinary 404, for every route", async () => {
    await targets();
    const before = await snapshot();
    const anon = new FormClient(t.app, "10.6.0.1");
    await anon.get("/account/login");
    const page = await anon.get("/admin/users/bob");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/account/login?next=%2Fadmin%2Fusers%2Fbob");
    for (const [url, body] of POSTS) expect((await anon.post(url, body)).statusCode).toBe(303);
    expect(await snapshot()).toEqual(before);

    // A maintainer with a security key, signed in with it: phishing-resistant, but not an admin.
    const { web } = await signedInAdmin(t, "mallory", "10.6.0.2");
    await t.deps.db.updateTable("users").set({ is_admin: 0 }).where("username", "=", "mallory").execute();
    const signedIn = await snapshot();
    for (const url of [
      "/admin/users",
      "/admin/users/bob",
      "/admin/projects/pypi/demo",
      "/admin/audit",
      "/admin/domains",
    ]) {
      const res = await web.get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain("There is no page at this address.");
    }
    await web.get("/account/");
    for (const [url, body] of POSTS) expect((await web.post(url, body)).statusCode).toBe(404);
    expect(await snapshot()).toEqual(signedIn);
  });

  it("refuses admins whose session was not signed in with a security key or passkey (403)", async () => {
    await targets();
    const noKey = await totpAdmin(t, "totponly", "10.7.0.1");
    const weakSession = await totpAdmin(t, "haskey", "10.7.0.2", { withKey: true });
    const before = await snapshot();
    const page = await noKey.get("/admin/audit");
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain("Add a security key or passkey");
    const weak = await weakSession.get("/admin/users");
    expect(weak.statusCode).toBe(403);
    expect(weak.body).toContain("This session was not signed in with a security key or passkey.");
    await weakSession.get("/account/");
    for (const [url, body] of POSTS) expect((await weakSession.post(url, body)).statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses POSTs without this session's CSRF token or from another site, storing nothing", async () => {
    await targets();
    const { web } = await signedInAdmin(t);
    const other = await signedInAdmin(t, "other", "10.77.0.2");
    const before = await snapshot();
    for (const [url, body] of POSTS) {
      expect((await web.post(url, { ...body, _csrf: "" })).statusCode).toBe(403);
      expect((await web.post(url, { ...body, _csrf: other.web.csrf })).statusCode).toBe(403);
      const cross = await web.post(url, body, { origin: "https://evil.example" });
      expect(cross.statusCode).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("requires a reason for every action: a blank one is refused and nothing is stored", async () => {
    await targets();
    const { web } = await signedInAdmin(t);
    await t.deps.db.updateTable("users").set({ is_frozen: 1 }).where("username", "=", "bob").execute();
    const before = await snapshot();
    for (const [url, body] of [...POSTS, ["/admin/users/bob/unfreeze", { reason: "x" }] as const]) {
      const res = await web.post(url, { ...body, reason: "   \n " });
      expect(res.statusCode, url).toBe(400);
      expect(res.body).toContain("Give a reason (3–500 characters)");
    }
    const long = await web.post("/admin/domains", { domain: "lapsed.example", reason: "x".repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("keeps the audit log append-only in the database itself", async () => {
    await targets();
    const { web } = await signedInAdmin(t);
    await web.post("/admin/users/bob/freeze", { reason: "spam wave" });
    const rows = await auditRows(t);
    expect(rows).toHaveLength(1);
    const db = t.deps.db;
    await expect(db.updateTable("admin_audit").set({ reason: "nothing happened" }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(db.updateTable("admin_audit").set({ actor_name: "someone" }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(db.deleteFrom("admin_audit").execute()).rejects.toThrow(/append-only/);
    await expect(sql`delete from admin_audit where id = ${rows[0]!.id}`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    expect(await auditRows(t)).toEqual(rows);
    // Nor does the console offer a way to change it.
    expect((await web.post("/admin/audit", { reason: "x" })).statusCode).toBe(404);
  });

  it("stores nothing of an action whose audit entry cannot be written", async () => {
    const bob = await targets();
    const { id } = await signedInAdmin(t);
    await signedInAdmin(t, "carol", "10.77.0.3");
    const before = await snapshot();
    // A NOT NULL column left empty makes the audit insert fail inside the action's transaction.
    const broken = { id, name: null, ip: "10.0.0.1" } as unknown as AuditActor;
    await expect(freezeUser(t.deps, broken, "bob", "spam wave")).rejects.toThrow();
    await expect(revokeCredentials(t.deps, broken, "bob", "laptop stolen")).rejects.toThrow();
    await expect(resetUserMfa(t.deps, broken, "carol", "verified in person")).rejects.toThrow();
    await expect(abandonDomain(t.deps, broken, "lapsed.example", "expired")).rejects.toThrow();
    await expect(prohibitName(t.deps, broken, "pypi", "evil", "typosquat")).rejects.toThrow();
    const demo = await t.deps.db.selectFrom("projects").selectAll().executeTakeFirstOrThrow();
    const project = {
      id: demo.id,
      ecosystem: "pypi" as const,
      name: demo.name,
      normalizedName: demo.normalized_name,
      createdAt: demo.created_at,
      uploadLimitBytes: demo.upload_limit_bytes,
      serial: demo.serial,
    };
    await expect(setProjectUploadLimit(t.deps, broken, project, "300", "big wheels")).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(bob.isFrozen).toBe(false);
  });

  it("escapes what admins and users typed wherever the console shows it", async () => {
    await targets();
    const { web } = await signedInAdmin(t);
    await web.post("/admin/users/bob/freeze", { reason: '<script>alert("x")</script>' });
    const log = await web.get("/admin/audit?target=<b>");
    expect(log.body).not.toContain("<script>alert");
    expect(log.body).not.toContain('value="<b>"');
    expect((await web.get("/admin/audit")).body).toContain("&lt;script>alert");
  });
});
