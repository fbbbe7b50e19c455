import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize } from "../authz/index.js";
import { addKey, postJson, SoftAuthenticator } from "../mfa/test-fixtures.js";
import { codeAt, enrollTotp } from "../mfa/test-helpers.js";
import { buildSdist } from "../packages/archives/test-fixtures.js";
import { findProject } from "../packages/index.js";
import { publishBody } from "../protocols/npm/test-fixtures.js";
import { approveStaged, findStaged } from "../staging/index.js";
import {
  basicAuth,
  createTestApp,
  FormClient,
  maintainer,
  type TestApp,
  testDatabases,
  textOf,
  twineForm,
} from "../test-support/index.js";

type Ceremony = { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON };

// Threats against approving a staged release on the web (issue 16): a key's answer replayed for
// another release or for the other decision, a code where only a key may approve, outsiders.
describe.each(testDatabases())("approving staged releases on /staged/<id> (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  let alice: FormClient;
  let bob: FormClient;
  let key: SoftAuthenticator;
  let totpSecret: string;
  let token: string;
  let lastCodeAt = 0;

  /** A code from the next 30-second step each time (each step is accepted once). */
  const nextCode = () => {
    lastCodeAt = Math.max(t.clock.now(), lastCodeAt + 30_000);
    t.clock.set(lastCodeAt);
    return codeAt(totpSecret, lastCodeAt);
  };

  const signIn = async (username: string, ip: string) => {
    const web = new FormClient(t.app, ip);
    await web.get("/account/login");
    const res = await web.post("/account/login", { username, password: "correct horse battery" });
    expect(res.statusCode).toBe(303);
    await web.get("/account/");
    return web;
  };

  const upload = async (version: string) => {
    const path = await buildSdist(dir, { name: "demo-pkg", version });
    const form = await twineForm(path, { name: "demo-pkg", version });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  /** Stages `version` and returns its id (the upload is staged because the project says so). */
  const stage = async (version: string) => {
    await upload(version);
    const row = await t.deps.db
      .selectFrom("staged_releases")
      .select("id")
      .where("version", "=", version)
      .executeTakeFirstOrThrow();
    return row.id;
  };

  const options = async (web: FormClient, id: string, intent: string) => {
    await web.get(`/staged/${id}`);
    return postJson(t, web, `/staged/${id}/key/options`, { intent });
  };

  const simpleFiles = async () =>
    (
      (
        await t.app.inject({
          url: "/simple/demo-pkg/",
          headers: { accept: "application/vnd.pypi.simple.v1+json" },
        })
      ).json() as { files: Array<{ filename: string }> }
    ).files.map((f) => f.filename);

  beforeAll(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-staged-web-"));
    ({ token } = await maintainer(t, "alice"));
    await maintainer(t, "bob");
    await upload("1.0.0");
    await t.deps.db.updateTable("projects").set({ stage_requirement: "phishing-resistant" }).execute();
    alice = await signIn("alice", "10.1.0.1");
    totpSecret = (await enrollTotp(t, alice)).secret;
    key = new SoftAuthenticator(t.deps.config.origin);
    expect((await addKey(t, alice, key, "Blue key")).statusCode).toBe(303);
    bob = await signIn("bob", "10.1.0.2");
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a staged release and its key buttons to maintainers only; others get a 404", async () => {
    const id = await stage("2.0.0");
    const page = await alice.get(`/staged/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Approve with security key");
    expect(page.body).toContain("Reject with security key");
    expect(page.body.indexOf("Approve with security key")).toBeLessThan(
      page.body.indexOf("Approve with code"),
    );
    expect(textOf(page.body, "staged-key-required")).toContain("security key or passkey");
    const project = await alice.get("/project/demo-pkg/");
    expect(project.body).toContain('id="staged-pending"');
    expect(project.body).toContain(`href="/staged/${id}"`);
    // Bob has an account but no role; the anonymous visitor has neither.
    expect((await bob.get(`/staged/${id}`)).statusCode).toBe(404);
    expect((await options(bob, id, "approve")).statusCode).toBe(404);
    expect((await bob.get("/project/demo-pkg/")).body).not.toContain("staged-pending");
    const anon = await t.app.inject({ url: "/project/demo-pkg/" });
    expect(anon.body).not.toContain("staged-pending");
    expect(anon.body).not.toContain("2.0.0");
    expect((await t.app.inject({ url: `/staged/${id}` })).statusCode).toBe(303);
  });

  it("refuses a code for a release that needs a key, beside the field, and keeps it staged", async () => {
    const id = (await findStagedByVersion("2.0.0"))!;
    await alice.get(`/staged/${id}`);
    const res = await alice.post(`/staged/${id}`, { code: nextCode(), intent: "approve" });
    expect(res.statusCode).toBe(403);
    expect(textOf(res.body, "code-error")).toContain("requires a security key or passkey");
    expect((await findStaged(t.deps.db, id))?.state).toBe("staged");
    expect(await simpleFiles()).not.toContain("demo_pkg-2.0.0.tar.gz");
  });

  it("binds the key's answer to this release and this decision: no replay across either", async () => {
    const a = (await findStagedByVersion("2.0.0"))!;
    const b = await stage("3.0.0");
    // A challenge issued for rejecting A, signed by the key, cannot approve A.
    const forReject = (await options(alice, a, "reject")).json() as Ceremony;
    const swapped = await alice.post(`/staged/${a}`, {
      intent: "approve",
      challenge_id: forReject.challengeId,
      response: JSON.stringify(key.assert(forReject.options)),
    });
    expect(swapped.statusCode).toBe(400);
    expect(textOf(swapped.body, "webauthn-status")).toContain("not made for this release and decision");
    // A challenge issued for approving B cannot approve A.
    const forB = (await options(alice, b, "approve")).json() as Ceremony;
    const elsewhere = await alice.post(`/staged/${a}`, {
      intent: "approve",
      challenge_id: forB.challengeId,
      response: JSON.stringify(key.assert(forB.options)),
    });
    expect(elsewhere.statusCode).toBe(400);
    expect((await findStaged(t.deps.db, a))?.state).toBe("staged");
    expect((await findStaged(t.deps.db, b))?.state).toBe("staged");
    // Bob cannot get a challenge for Alice's release, nor spend Alice's on it.
    const forA = (await options(alice, a, "approve")).json() as Ceremony;
    await bob.get("/account/");
    const stolen = await bob.post(`/staged/${a}`, {
      intent: "approve",
      challenge_id: forA.challengeId,
      response: JSON.stringify(key.assert(forA.options)),
    });
    expect(stolen.statusCode).toBe(404);
    // The right challenge approves, once: every file appears together.
    const ok = await alice.post(`/staged/${a}`, {
      intent: "approve",
      challenge_id: forA.challengeId,
      response: JSON.stringify(key.assert(forA.options)),
    });
    expect(ok.statusCode, ok.body).toBe(303);
    const approved = await findStaged(t.deps.db, a);
    expect(approved?.state).toBe("approved");
    const row = await t.deps.db
      .selectFrom("staged_releases")
      .select("decided_factor")
      .where("id", "=", a)
      .executeTakeFirstOrThrow();
    expect(row.decided_factor).toBe("webauthn");
    expect(await simpleFiles()).toContain("demo_pkg-2.0.0.tar.gz");
    const replay = await alice.post(`/staged/${b}`, {
      intent: "approve",
      challenge_id: forA.challengeId,
      response: JSON.stringify(key.assert(forA.options)),
    });
    expect(replay.statusCode).toBe(400);
    expect((await options(alice, a, "approve")).statusCode).toBe(409);
  });

  it("lets a code reject a release that only a key may approve (rejecting publishes nothing)", async () => {
    const b = (await findStagedByVersion("3.0.0"))!;
    await alice.get(`/staged/${b}`);
    const res = await alice.post(`/staged/${b}`, { code: nextCode(), intent: "reject" });
    expect(res.statusCode, res.body).toBe(303);
    expect((await findStaged(t.deps.db, b))?.state).toBe("rejected");
    expect(await simpleFiles()).not.toContain("demo_pkg-3.0.0.tar.gz");
  });

  it("lists a staged npm version on the package page for its maintainers only", async () => {
    const npm = (method: "PUT" | "POST", url: string, payload: object, otp?: string) =>
      t.app.inject({
        method,
        url,
        payload: JSON.stringify(payload),
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          ...(otp ? { "npm-otp": otp } : {}),
        },
      });
    const first = await npm(
      "PUT",
      "/npm/@acme%2fwidget",
      await publishBody("@acme/widget", "1.0.0"),
      nextCode(),
    );
    expect(first.statusCode, first.body).toBe(201);
    const staged = await npm(
      "POST",
      "/npm/-/stage/package/@acme%2fwidget",
      await publishBody("@acme/widget", "1.1.0"),
    );
    expect(staged.statusCode, staged.body).toBeLessThan(300);
    const id = (staged.json() as { stageId: string }).stageId;
    const mine = await alice.get("/package/@acme/widget");
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain(`href="/staged/${id}"`);
    expect(textOf(mine.body, "staged-h")).toBe("1 release waits for approval");
    expect((await bob.get("/package/@acme/widget")).body).not.toContain("staged-pending");
    const anon = await t.app.inject({ url: "/package/@acme/widget" });
    expect(anon.body).not.toContain("staged-pending");
    expect(anon.body).not.toContain("1.1.0");
  });

  it("applies a rule tightened after staging to the releases already waiting (domain and page)", async () => {
    const setRule = (rule: string) =>
      t.deps.db.updateTable("projects").set({ stage_requirement: rule }).execute();
    await setRule("any");
    const id = await stage("4.0.0");
    expect((await findStaged(t.deps.db, id))?.phishingResistant).toBe(false);
    await setRule("phishing-resistant");
    try {
      // The domain refuses a code by itself, whatever a surface does.
      const alicesGrant = await authorize(
        t.deps,
        {
          userId: (
            await t.deps.db
              .selectFrom("users")
              .select("id")
              .where("username", "=", "alice")
              .executeTakeFirstOrThrow()
          ).id,
          emailVerified: true,
        },
        "approve-staged",
        await findProject(t.deps.db, "pypi", "demo-pkg"),
      );
      await expect(
        approveStaged(t.deps, { ip: "127.0.0.1" }, id, { grant: alicesGrant, factor: "totp" }),
      ).rejects.toMatchObject({ code: "PHISHING_RESISTANT_REQUIRED" });
      const page = await alice.get(`/staged/${id}`);
      expect(textOf(page.body, "staged-key-required")).toContain("security key or passkey");
      const res = await alice.post(`/staged/${id}`, { code: nextCode(), intent: "approve" });
      expect(res.statusCode).toBe(403);
      expect(textOf(res.body, "code-error")).toContain("requires a security key or passkey");
      expect((await findStaged(t.deps.db, id))?.state).toBe("staged");
      expect((await alice.get("/project/demo-pkg/")).body).toContain("(security key required)");
    } finally {
      await setRule("phishing-resistant");
    }
  });

  async function findStagedByVersion(version: string): Promise<string | undefined> {
    const row = await t.deps.db
      .selectFrom("staged_releases")
      .select("id")
      .where("version", "=", version)
      .executeTakeFirst();
    return row?.id;
  }
});
