import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../accounts/index.js";
import { authorize } from "../authz/index.js";
import { DAY } from "../lib/clock.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { findProject } from "../packages/index.js";
import {
  basicAuth,
  createTestApp,
  FormClient,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { createMandate, longDate, sendMandateNotices } from "./index.js";

describe.each(testDatabases())("an MFA mandate from notice to enforcement on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-mandate-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(token: string, version: string) {
    const form = await twineForm(await buildWheel(dir, { name: "crit-pkg", version }), {
      name: "crit-pkg",
      version,
    });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }
  const mails = async (subject: string) => (await t.outbox()).filter((m) => m.subject.includes(subject));
  async function pageFor(userId: string) {
    const user = await t.deps.db
      .selectFrom("users")
      .select(["id", "username", "email"])
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    const { getUser } = await import("../accounts/index.js");
    const login = await startSession(
      t.deps,
      { ip: "127.0.0.1" },
      (await getUser(t.deps.db, user.id))!,
      "password",
    );
    const web = new FormClient(t.app);
    web.cookies.set("wharf_session", login.cookie);
    return (await web.get("/account/")).body;
  }
  async function giveTotp(userId: string) {
    await t.deps.db
      .insertInto("totp_credentials")
      .values({
        user_id: userId,
        secret_enc: t.deps.keys.encrypt("JBSWY3DPEHPK3PXP", `totp:${userId}`),
        last_step: 0,
        created_at: t.clock.now(),
        last_used_at: null,
      })
      .execute();
  }
  async function giveKey(userId: string) {
    await t.deps.db
      .insertInto("webauthn_credentials")
      .values({
        id: `k-${userId}`,
        user_id: userId,
        credential_id: `cred-${userId}`,
        public_key: "x",
        counter: 0,
        transports: "[]",
        aaguid: "",
        backup_eligible: 0,
        backup_state: 0,
        is_passkey: 0,
        label: "key",
        created_at: t.clock.now(),
        last_used_at: null,
      })
      .execute();
  }

  it("notices once, warns on every page and by mail after uploads, then refuses until compliant", async () => {
    const alice = await maintainer(t, "alice");
    expect((await upload(alice.token, "1.0")).statusCode).toBe(200);
    await t.deps.db.updateTable("projects").set({ critical_since: t.clock.now() }).execute();
    const start = t.clock.now();
    await createMandate(t.deps.db, start, "ops", {
      name: "Critical projects",
      ecosystem: "pypi",
      cohort: "critical",
      strength: "any",
      noticeAt: start + DAY,
      warnAt: start + 10 * DAY,
      enforceAt: start + 20 * DAY,
    });

    expect(await sendMandateNotices(t.deps)).toBe(0);
    expect(await pageFor(alice.user.id)).not.toContain('data-phase="notice"');

    t.clock.advance(DAY);
    expect(await sendMandateNotices(t.deps)).toBe(1);
    expect(await sendMandateNotices(t.deps)).toBe(0);
    expect(await mails("Two-factor authentication will be required")).toHaveLength(1);
    const noticePage = await pageFor(alice.user.id);
    expect(noticePage).toContain('data-phase="notice"');
    const enforceDate = longDate(start + 20 * DAY);
    expect(noticePage).toContain(
      `From ${enforceDate} (in 19 days), publishing to crit-pkg will need two-factor authentication (Critical projects).`,
    );
    // One icon, the stylesheet's: no symbol of its own in the text (issue 14, the duplicate "ℹ").
    expect(noticePage).toMatch(/class="banner-label">Notice:<\/span>/);
    expect(noticePage).not.toMatch(/[ℹ⚠⛔]/);

    t.clock.advance(9 * DAY);
    expect((await upload(alice.token, "1.1")).statusCode).toBe(200);
    expect((await upload(alice.token, "1.2")).statusCode).toBe(200);
    expect(await mails("Your upload to crit-pkg worked")).toHaveLength(1);
    const warnPage = await pageFor(alice.user.id);
    expect(warnPage).toContain('data-phase="warn"');
    expect(warnPage).toContain(`you can publish until ${enforceDate} (10 days left)`);
    expect(warnPage).toContain("Deadline:");

    t.clock.advance(10 * DAY);
    const refused = await upload(alice.token, "2.0");
    expect(refused.statusCode).toBe(403);
    expect(refused.statusMessage).toContain(
      "Two-factor authentication is required to publish to 'crit-pkg' (Critical projects). Set it up at http://localhost:8080/account/two-factor",
    );
    const enforcePage = await pageFor(alice.user.id);
    expect(enforcePage).toContain('data-phase="enforce"');
    expect(enforcePage).toContain(
      'Blocked:</span> <span class="banner-text">Publishing to crit-pkg is blocked until you enable two-factor authentication (Critical projects).',
    );
    const project = (await findProject(t.deps.db, "pypi", "crit-pkg"))!;
    const aliceUser = (await (await import("../accounts/index.js")).getUser(t.deps.db, alice.user.id))!;
    await expect(
      authorize(t.deps, { userId: aliceUser.id, emailVerified: true }, "manage-people", project),
    ).rejects.toMatchObject({ code: "MFA_REQUIRED" });

    await giveTotp(alice.user.id);
    expect((await upload(alice.token, "2.0")).statusCode).toBe(200);
    expect(await pageFor(alice.user.id)).not.toContain("data-phase=");
  });

  it("refuses a TOTP-only maintainer under a phishing-resistant mandate and admits one with a security key", async () => {
    const bob = await maintainer(t, "bob");
    expect((await upload(bob.token, "1.0")).statusCode).toBe(200);
    await giveTotp(bob.user.id);
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Keys for crit-pkg",
      cohort: "projects",
      projects: ["crit-pkg"],
      strength: "phishing-resistant",
      noticeAt: now,
      warnAt: now,
      enforceAt: now,
    });
    const refused = await upload(bob.token, "1.1");
    expect(refused.statusCode).toBe(403);
    expect(refused.statusMessage).toContain("A security key or passkey is required");
    await giveKey(bob.user.id);
    expect((await upload(bob.token, "1.1")).statusCode).toBe(200);
  });

  it("applies the owners' own requirement to every publisher", async () => {
    const carol = await maintainer(t, "carol");
    expect((await upload(carol.token, "1.0")).statusCode).toBe(200);
    const { getUser } = await import("../accounts/index.js");
    const login = await startSession(
      t.deps,
      { ip: "127.0.0.1" },
      (await getUser(t.deps.db, carol.user.id))!,
      "password",
    );
    const web = new FormClient(t.app);
    web.cookies.set("wharf_session", login.cookie);
    const page = await web.get("/manage/project/crit-pkg/");
    expect(page.body).toContain("Publishing security");
    const saved = await web.post("/manage/project/crit-pkg/settings", { requirement: "any" });
    expect(saved.statusCode).toBe(303);
    expect((await t.app.inject({ url: "/api/projects/pypi/crit-pkg/security" })).json().requirement).toBe(
      "any",
    );
    const refused = await upload(carol.token, "1.1");
    expect(refused.statusCode).toBe(403);
    expect(refused.statusMessage).toContain("The owners of 'crit-pkg' require two-factor authentication");
  });

  it("covers a project once its downloads over the window reach a threshold cohort's bar", async () => {
    const dan = await maintainer(t, "dan");
    expect((await upload(dan.token, "1.0")).statusCode).toBe(200);
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Popular",
      cohort: "threshold",
      threshold: 10,
      windowDays: 30,
      noticeAt: now,
      warnAt: now,
      enforceAt: now,
    });
    expect((await upload(dan.token, "1.1")).statusCode).toBe(200);
    const project = (await findProject(t.deps.db, "pypi", "crit-pkg"))!;
    for (let i = 0; i < 10; i++) t.deps.downloads.count(project.id, t.clock.now());
    await t.deps.downloads.flush();
    const refused = await upload(dan.token, "1.2");
    expect(refused.statusCode).toBe(403);
    expect(refused.statusMessage).toContain("(Popular)");
  });

  it("rejects a mandate whose phases are out of order", async () => {
    const now = t.clock.now();
    await expect(
      createMandate(t.deps.db, now, "ops", {
        name: "bad",
        cohort: "all-users",
        noticeAt: now + 2,
        warnAt: now + 1,
        enforceAt: now,
      }),
    ).rejects.toMatchObject({ code: "MANDATE_INVALID" });
  });
});

describe("the mandates JSON API", () => {
  it("lets an admin create, list, update and archive mandates, and nobody else", async () => {
    const t = await createTestApp("sqlite");
    try {
      const { registerUser, getUser } = await import("../accounts/index.js");
      const ops = await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        {
          username: "ops",
          email: "ops@example.com",
          password: "correct horse battery",
          verified: true,
          admin: true,
        },
        { viaOperator: true },
      );
      const joe = await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        { username: "joe", email: "joe@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      // The operator guard wants a security key on the account and a session signed in with it.
      await t.deps.db
        .insertInto("webauthn_credentials")
        .values({
          id: "key-ops",
          user_id: ops.id,
          credential_id: "cred-ops",
          public_key: "!",
          counter: 0,
          transports: "[]",
          aaguid: "00000000-0000-0000-0000-000000000000",
          backup_eligible: 0,
          backup_state: 0,
          is_passkey: 0,
          label: "key",
          created_at: t.clock.now(),
        })
        .execute();
      const cookie = async (id: string) =>
        `wharf_session=${(await startSession(t.deps, { ip: "127.0.0.1" }, (await getUser(t.deps.db, id))!, { method: "webauthn", phishingResistant: true })).cookie}`;
      const admin = await cookie(ops.id);
      const json = { "content-type": "application/json" };
      const spec = {
        name: "All users",
        cohort: "all-users",
        strength: "phishing-resistant",
        noticeAt: "2027-01-01",
        warnAt: "2027-02-01",
        enforceAt: "2027-03-01",
        reason: "Roll-out plan approved in ticket OPS-1",
      };
      const nope = await t.app.inject({
        method: "POST",
        url: "/api/policy/mandates",
        headers: { ...json, cookie: await cookie(joe.id) },
        payload: spec,
      });
      expect(nope.statusCode).toBe(403);
      expect(nope.json().error.message).toContain("Only administrators");
      const created = await t.app.inject({
        method: "POST",
        url: "/api/policy/mandates",
        headers: { ...json, cookie: admin },
        payload: spec,
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      expect(created.json()).toMatchObject({
        cohort: "all-users",
        strength: "phishing-resistant",
        phase: "scheduled",
        createdBy: "ops",
      });
      const bad = await t.app.inject({
        method: "PUT",
        url: `/api/policy/mandates/${id}`,
        headers: { ...json, cookie: admin },
        payload: { ...spec, warnAt: "2026-01-01", noticeAt: "2027-01-01" },
      });
      expect(bad.statusCode).toBe(400);
      const moved = await t.app.inject({
        method: "PUT",
        url: `/api/policy/mandates/${id}`,
        headers: { ...json, cookie: admin },
        payload: { ...spec, enforceAt: "2027-04-01" },
      });
      expect(moved.json().enforceAt).toBe(Date.parse("2027-04-01"));
      expect(
        (await t.app.inject({ url: "/api/policy/mandates", headers: { cookie: admin } })).json().mandates,
      ).toHaveLength(1);
      expect(
        (
          await t.app.inject({
            method: "DELETE",
            url: `/api/policy/mandates/${id}?reason=${encodeURIComponent("Superseded by OPS-2")}`,
            headers: { cookie: admin },
          })
        ).statusCode,
      ).toBe(204);
      expect(
        (await t.app.inject({ url: "/api/policy/mandates", headers: { cookie: admin } })).json().mandates,
      ).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
