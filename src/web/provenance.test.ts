import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOidcIssuer, type TestIssuer } from "../../test/e2e/support/oidc-issuer.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { publishBody } from "../protocols/npm/test-fixtures.js";
import { basicAuth, createTestApp, type TestApp, testDatabases, twineForm } from "../test-support/index.js";
import { addPublisher } from "../trusted-publishing/index.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

const SHA = "0123456789abcdef0123456789abcdef01234567";
const RUN = {
  repository: "acme/widget",
  ref: "refs/tags/v2.0",
  sha: SHA,
  runId: "987",
  environment: "release",
};

/*
 * Issue 16 item 4: what a trusted publisher's token said about the run shows on the release/version
 * page, in the PyPI JSON API (per file) and in the npm packument (per version), linking to the run.
 */
describe.each(testDatabases())("provenance of trusted-publisher releases on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind, { oidcProviders: [{ provider: "github", issuer: issuer.issuer }] });
    dir = mkdtempSync(join(tmpdir(), "wharf-prov-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** alice owns `name` (first release by token), with a GitHub publisher for acme/widget release.yml. */
  async function project(ecosystem: "pypi" | "npm", name: string) {
    const alice = await signedInUser(t, "alice");
    const token = await accountToken(t, alice.user.id);
    if (ecosystem === "pypi") expect((await publish(t, dir, token, name, "1.0.0")).statusCode).toBe(200);
    else {
      const put = await t.app.inject({
        method: "PUT",
        url: `/npm/${name}`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify(await publishBody(name, "1.0.0")),
      });
      expect(put.statusCode, put.body).toBe(201);
    }
    const p = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    await addPublisher(
      t.deps.db,
      t.clock.now(),
      {},
      {
        projectId: p.id,
        provider: "github",
        issuer: issuer.issuer,
        repository: "acme/widget",
        workflow: "release.yml",
        createdBy: alice.user.id,
      },
    );
    return alice;
  }

  it("PyPI: the JSON API gives each file its provenance, the release page links the run and commit", async () => {
    await project("pypi", "widget");
    const minted = await t.app.inject({
      method: "POST",
      url: "/_/oidc/mint-token",
      payload: { token: await issuer.mint({ audience: "pypi:localhost", run: RUN }) },
    });
    expect(minted.statusCode, minted.body).toBe(200);
    const wheel = await buildWheel(dir, { name: "widget", version: "2.0.0" });
    const form = await twineForm(wheel, { name: "widget", version: "2.0.0" });
    const up = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", minted.json().token) },
    });
    expect(up.statusCode, up.body).toBe(200);

    const json = (await t.app.inject({ url: "/pypi/widget/json" })).json();
    expect(json.releases["1.0.0"][0].trusted_publisher).toBeNull();
    const file = json.urls[0];
    const run = `https://github.com/acme/widget/actions/runs/987`;
    expect(file.trusted_publisher).toMatchObject({
      repository: "acme/widget",
      workflow: "release.yml",
      environment: "release",
      ref: "refs/tags/v2.0",
      sha: SHA,
      run_id: "987",
    });
    expect(file.trusted_publisher.run_url).toContain(run);
    const one = (await t.app.inject({ url: "/pypi/widget/2.0.0/json" })).json();
    expect(one.urls[0].trusted_publisher.sha).toBe(SHA);

    const page = (await t.app.inject({ url: "/project/widget/2.0.0/" })).body;
    expect(page).toContain('id="provenance"');
    expect(page).toContain(`href="${file.trusted_publisher.run_url}"`);
    expect(page).toContain(`href="https://github.com/acme/widget/commit/${SHA}"`);
    expect(page).toContain("<code>refs/tags/v2.0</code>");
    expect(page).toContain(`<code>${file.filename}</code>`);
    expect((await t.app.inject({ url: "/project/widget/1.0.0/" })).body).not.toContain('id="provenance"');
  });

  it("npm: the packument marks the version like npm's registry (_npmUser.trustedPublisher) and says where it was built", async () => {
    await project("npm", "widget-js");
    const ex = await t.app.inject({
      method: "POST",
      url: "/-/npm/v1/oidc/token/exchange/package/widget-js",
      headers: { authorization: `Bearer ${await issuer.mint({ audience: "npm:localhost", run: RUN })}` },
    });
    expect(ex.statusCode, ex.body).toBe(201);
    const put = await t.app.inject({
      method: "PUT",
      url: "/npm/widget-js",
      headers: { authorization: `Bearer ${ex.json().token}`, "content-type": "application/json" },
      payload: JSON.stringify(await publishBody("widget-js", "2.0.0")),
    });
    expect(put.statusCode, put.body).toBe(201);

    const doc = (await t.app.inject({ url: "/npm/widget-js" })).json();
    expect(doc.versions["1.0.0"]._trustedPublisher).toBeUndefined();
    const v = doc.versions["2.0.0"];
    expect(v._npmUser.trustedPublisher).toMatchObject({ id: "github" });
    expect(typeof v._npmUser.trustedPublisher.oidcConfigId).toBe("string");
    expect(v._trustedPublisher).toMatchObject({
      provider: "github",
      repository: "acme/widget",
      workflow: "release.yml",
      ref: "refs/tags/v2.0",
      sha: SHA,
      runId: "987",
      environment: "release",
    });
    expect(v._trustedPublisher.runUrl).toContain("/acme/widget/actions/runs/987");
    // Nothing the npm CLI would verify as a signature is invented.
    expect(v.dist.attestations).toBeUndefined();

    const page = (await t.app.inject({ url: "/package/widget-js/v/2.0.0" })).body;
    expect(page).toContain('id="provenance"');
    expect(page).toContain(`href="${v._trustedPublisher.runUrl}"`);
  });

  it("the first exchange mails every owner, with the run's link; the next one does not", async () => {
    await project("pypi", "widget");
    const mint = async () =>
      t.app.inject({
        method: "POST",
        url: "/_/oidc/mint-token",
        payload: { token: await issuer.mint({ audience: "pypi:localhost", run: RUN }) },
      });
    expect((await mint()).statusCode).toBe(200);
    expect((await mint()).statusCode).toBe(200);
    const mails = (await t.outbox()).filter((m) => m.subject.includes("for the first time"));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toContain("alice@example.com");
    expect(mails[0]!.text).toContain("/acme/widget/actions/runs/987");
  });
});
