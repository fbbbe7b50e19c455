import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOTP, Secret } from "otpauth";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOidcIssuer, type TestIssuer } from "../../test/e2e/support/oidc-issuer.js";
import { createSession } from "../accounts/sessions.js";
import { registerPolicyApi } from "../api/index.js";
import { describeSimulation } from "../cli/simulation-text.js";
import { DAY } from "../lib/clock.js";
import { buildSdist, buildWheel } from "../packages/archives/test-fixtures.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { quickUser } from "../test-support/stats.js";
import { addPublisher } from "../trusted-publishing/index.js";
import { simulate } from "./simulate.js";

const NOW = Date.UTC(2026, 10, 20, 12);

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

/**
 * Issue 16 item 6: the simulation counts the past releases a staging requirement would have held,
 * from what the real publishes recorded. The releases are made through the protocols themselves:
 * twine with an API token, twine with a trusted publisher's minted token, npm with a token and no
 * second factor, npm with an OTP given for the publish; some inside the window, some before it.
 */
describe.each(testDatabases())("staging simulation over past releases (%s)", (kind) => {
  let t: TestApp;
  let dir: string;

  beforeEach(async () => {
    t = await createTestApp(kind, { oidcProviders: [{ provider: "github", issuer: issuer.issuer }] });
    dir = mkdtempSync(join(tmpdir(), "wharf-stage-sim-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function twine(token: string, name: string, version: string, sdist = false) {
    const wheel = sdist ? await buildSdist(dir, { name, version }) : await buildWheel(dir, { name, version });
    const form = await twineForm(wheel, { name, version });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode, res.statusMessage).toBe(200);
  }

  async function npmPublish(auth: Record<string, string>, name: string, version: string, otp?: string) {
    const res = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped(name)}`,
      headers: { ...auth, "content-type": "application/json", ...(otp ? { "npm-otp": otp } : {}) },
      payload: JSON.stringify(await publishBody(name, version)),
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  /** An npm user with TOTP for auth and writes (as `npm profile enable-2fa auth-and-writes`). */
  async function npmUserWithTotp(username: string) {
    const u = await npmUser(t, username);
    const call = (payload: unknown) =>
      t.app.inject({
        method: "POST",
        url: "/npm/-/npm/v1/user",
        headers: { ...u.auth, "content-type": "application/json" },
        payload: JSON.stringify(payload),
      });
    const uri: string = (
      await call({ tfa: { password: "correct horse battery", mode: "auth-and-writes" } })
    ).json().tfa;
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    const code = () =>
      HOTP.generate({
        secret: Secret.fromBase32(secret),
        counter: Math.floor(t.clock.now() / 30_000),
        digits: 6,
      });
    expect((await call({ tfa: [code()] })).statusCode).toBe(200);
    t.clock.advance(30_000);
    return { ...u, code };
  }

  async function seed() {
    // 200 days ago: outside a 90-day window.
    t.clock.set(NOW - 200 * DAY);
    const alice = await maintainer(t, "alice");
    await twine(alice.token, "widget", "0.1.0");
    const plain = await npmUser(t, "bob");
    await npmPublish(plain.auth, "plain", "0.1.0");
    const carol = await npmUserWithTotp("carol");
    await npmPublish(carol.auth, "demo", "0.1.0", carol.code());
    const widget = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("normalized_name", "=", "widget")
      .executeTakeFirstOrThrow();
    await addPublisher(
      t.deps.db,
      t.clock.now(),
      {},
      {
        projectId: widget.id,
        provider: "github",
        issuer: issuer.issuer,
        repository: "acme/widget",
        workflow: "release.yml",
        createdBy: alice.user.id,
      },
    );
    // Inside the window.
    t.clock.set(NOW - 10 * DAY);
    // One release, two files from a token: one release staged.
    await twine(alice.token, "widget", "1.0.0");
    await twine(alice.token, "widget", "1.0.0", true);
    // A trusted publisher's release (GitHub Actions' token exchanged at /_/oidc/mint-token).
    const at = Math.floor(t.clock.now() / 1000);
    const minted = await t.app.inject({
      method: "POST",
      url: "/_/oidc/mint-token",
      payload: {
        token: await issuer.mint({
          audience: "pypi:localhost",
          run: { repository: "acme/widget" },
          // The registry's clock is the test's (ten days ago), not the issuer's.
          claims: { iat: at, nbf: at, exp: at + 300 },
        }),
      },
    });
    expect(minted.statusCode, minted.body).toBe(200);
    await twine(minted.json().token, "widget", "2.0.0");
    // npm: a token without a second factor, and one with an OTP given for the publish.
    await npmPublish(plain.auth, "plain", "1.0.0");
    t.clock.advance(30_000);
    await npmPublish(carol.auth, "demo", "1.0.0", carol.code());
    t.clock.set(NOW);
  }

  it("counts, per ecosystem, the releases a token or trusted publisher made in the window", async () => {
    await seed();
    const r = await simulate(t.deps, {
      cohort: "all-projects",
      ecosystems: ["pypi", "npm"],
      staging: "any",
      stagingWindowDays: 90,
      phases: ["notice"],
    });
    expect(r.staging).toMatchObject({
      requirement: "any",
      window_days: 90,
      window: { from: "2026-08-22", to: "2026-11-20" },
      total: 3,
      by_ecosystem: [
        {
          ecosystem: "pypi",
          releases: 2,
          would_stage: 2,
          by_token: 1,
          by_trusted_publisher: 1,
          interactive: 0,
          projects: 1,
        },
        {
          ecosystem: "npm",
          releases: 2,
          would_stage: 1,
          by_token: 1,
          by_trusted_publisher: 0,
          interactive: 1,
          projects: 1,
        },
      ],
    });
    // The CLI prints the same numbers (wharf policy simulate / policy mandate simulate).
    const text = describeSimulation(r);
    expect(text).toContain("3 release(s) of the last 90 days (2026-08-22..2026-11-20) would have waited");
    expect(text).toContain(
      "pypi: 2 of 2 release(s) in 1 project(s): 1 by API token, 1 by trusted publisher; 0 published with a second factor",
    );
    expect(text).toContain(
      "npm: 1 of 2 release(s) in 1 project(s): 1 by API token, 0 by trusted publisher; 1 published with a second factor",
    );
  });

  it("counts only the cohort's projects and the window given; no staging asked, no count", async () => {
    await seed();
    const only = await simulate(t.deps, {
      cohort: "projects",
      projects: ["demo"],
      ecosystem: "npm",
      staging: "phishing-resistant",
      phases: ["notice"],
    });
    expect(only.staging?.requirement).toBe("phishing-resistant");
    expect(only.staging?.by_ecosystem).toEqual([
      expect.objectContaining({ ecosystem: "npm", releases: 1, would_stage: 0, interactive: 1 }),
    ]);
    // A 300-day window reaches the first releases: widget 0.1.0 and plain 0.1.0 were token uploads.
    const long = await simulate(t.deps, {
      cohort: "all-projects",
      staging: "any",
      stagingWindowDays: 300,
      phases: ["notice"],
    });
    expect(long.staging?.total).toBe(5);
    expect(long.staging?.by_ecosystem.map((e) => [e.ecosystem, e.would_stage, e.releases])).toEqual([
      ["pypi", 3, 3],
      ["npm", 2, 4],
      ["rubygems", 0, 0],
    ]);
    // A 5-day window holds none of them.
    const short = await simulate(t.deps, { cohort: "all-projects", staging: "any", stagingWindowDays: 5 });
    expect(short.staging?.total).toBe(0);
    const none = await simulate(t.deps, { cohort: "all-projects", phases: ["notice"] });
    expect(none.staging).toBeUndefined();
  });

  it("answers in the JSON API (POST /api/policy/simulate)", async () => {
    await seed();
    if (!t.app.hasRoute({ method: "POST", url: "/api/policy/simulate" })) registerPolicyApi(t.app, t.deps);
    const admin = await quickUser(t.deps.db, NOW, { username: "root", admin: true, mfa: "key" });
    const proof = { method: "webauthn", phishingResistant: true };
    const s = await createSession(t.deps.db, NOW, { idleMs: DAY, maxMs: DAY }, admin, {}, { proof });
    const res = await t.app.inject({
      method: "POST",
      url: "/api/policy/simulate",
      headers: { cookie: `wharf_session=${s.cookie}` },
      payload: { cohort: "all-projects", ecosystem: "npm", staging: "any", stagingWindowDays: 30 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().staging).toMatchObject({
      total: 1,
      by_ecosystem: [{ ecosystem: "npm", would_stage: 1, interactive: 1 }],
    });
  });
});
