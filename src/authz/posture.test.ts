import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMandate } from "../mandates/index.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { addRole, findProject } from "../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { quickProject } from "../test-support/stats.js";

describe.each(testDatabases())("public security posture on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-posture-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports counts of maintainers with MFA and phishing-resistant MFA, the mandates and criticality, never names", async () => {
    const alice = await maintainer(t, "alice");
    const bob = await maintainer(t, "bob");
    const form = await twineForm(await buildWheel(dir, { name: "posture-pkg", version: "1.0" }), {
      name: "posture-pkg",
      version: "1.0",
    });
    await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", alice.token) },
    });
    const project = (await findProject(t.deps.db, "pypi", "posture-pkg"))!;
    await addRole(t.deps.db, t.clock.now(), project.id, bob.user.id, "maintainer");
    await t.deps.db
      .insertInto("webauthn_credentials")
      .values({
        id: "k1",
        user_id: bob.user.id,
        credential_id: "c1",
        public_key: "x",
        counter: 0,
        transports: "[]",
        aaguid: "",
        backup_eligible: 0,
        backup_state: 0,
        is_passkey: 0,
        label: "key",
        created_at: 0,
        last_used_at: null,
      })
      .execute();
    await t.deps.db.updateTable("projects").set({ critical_since: t.clock.now() }).execute();
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Critical projects",
      cohort: "critical",
      noticeAt: now,
      warnAt: now + 1000,
      enforceAt: now + 2000,
    });

    const res = await t.app.inject({ url: "/api/projects/pypi/Posture_Pkg/security" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      critical: true,
      maintainers: 2,
      maintainers_with_mfa: 1,
      maintainers_with_phishing_resistant_mfa: 1,
      fully_protected: false,
    });
    expect(body.mandates).toEqual([
      expect.objectContaining({ name: "Critical projects", phase: "notice", strength: "any" }),
    ]);
    expect(res.body).not.toContain("alice");
    expect(res.body).not.toContain("bob");
    const page = await t.app.inject({ url: "/project/posture-pkg/" });
    expect(page.body).toContain("1 of 2 maintainers uses two-factor authentication");
    expect((await t.app.inject({ url: "/api/projects/pypi/nope/security" })).statusCode).toBe(404);
  });

  it("answers for a gem like for the other ecosystems: GET /api/projects/rubygems/<name>/security, any case", async () => {
    const alice = await maintainer(t, "alice");
    const id = await quickProject(t.deps.db, t.clock.now(), "rubygems", "Rack-Attack", [alice.user.id]);
    await t.deps.db
      .updateTable("projects")
      .set({ critical_since: t.clock.now() })
      .where("id", "=", id)
      .execute();
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Critical gems",
      ecosystem: "rubygems",
      cohort: "critical",
      noticeAt: now,
      warnAt: now + 1000,
      enforceAt: now + 2000,
    });
    const res = await t.app.inject({ url: "/api/projects/rubygems/rack-attack/security" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      critical: true,
      maintainers: 1,
      maintainers_with_mfa: 0,
      mandates: [expect.objectContaining({ name: "Critical gems", phase: "notice" })],
      dependents: { direct: 0 },
    });
    const missing = await t.app.inject({ url: "/api/projects/rubygems/nope/security" });
    expect(missing.statusCode).toBe(404);
    const unknown = await t.app.inject({ url: "/api/projects/cargo/serde/security" });
    expect(unknown.json().error.message).toBe("Use /api/projects/<pypi|npm|rubygems>/<name>/security.");
    const list = await t.app.inject({ url: "/api/projects?ecosystem=rubygems" });
    expect(list.json().projects).toEqual([
      expect.objectContaining({ ecosystem: "rubygems", name: "Rack-Attack", normalizedName: "rack-attack" }),
    ]);
  });
});
