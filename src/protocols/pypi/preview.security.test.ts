import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize } from "../../authz/index.js";
import { DAY } from "../../lib/clock.js";
import { buildSdist, buildWheel } from "../../packages/archives/test-fixtures.js";
import { findProject } from "../../packages/index.js";
import { approveStaged, listPending, type StagedRelease } from "../../staging/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  tokenFor,
  twineForm,
} from "../../test-support/index.js";

const JSON_ACCEPT = "application/vnd.pypi.simple.v1+json";

/**
 * The preview index of a staged release (issue 16): only the project's maintainers read it, with an API
 * token as pip sends it; everyone else learns nothing, not even that the id exists.
 */
describe.each(testDatabases())("the preview index of a staged release (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  let alice: Awaited<ReturnType<typeof maintainer>>;
  let bob: Awaited<ReturnType<typeof maintainer>>;
  let staged: StagedRelease;
  beforeAll(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-preview-"));
    alice = await maintainer(t, "alice");
    bob = await maintainer(t, "bob");
    expect(
      (await upload(await buildSdist(dir, { name: "demo-pkg", version: "1.0.0" }), "1.0.0")).statusCode,
    ).toBe(200);
    // Bob maintains a project of his own (his token is valid, just not for demo-pkg); Alice a second one.
    for (const [name, who] of [
      ["bobs-pkg", bob],
      ["alices-other", alice],
    ] as const) {
      const other = await twineForm(await buildSdist(dir, { name, version: "1.0" }), {
        name,
        version: "1.0",
      });
      const res = await t.app.inject({
        method: "POST",
        url: "/legacy/",
        payload: other.payload,
        headers: { ...other.headers, authorization: basicAuth("__token__", who.token) },
      });
      expect(res.statusCode).toBe(200);
    }
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
    for (const path of [
      await buildWheel(dir, { name: "demo-pkg", version: "2.0.0" }),
      await buildSdist(dir, { name: "demo-pkg", version: "2.0.0" }),
    ])
      expect((await upload(path, "2.0.0")).statusCode).toBe(200);
    staged = (await listPending(t.deps.db, { userId: alice.user.id, now: t.clock.now() })).items[0]!;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(path: string, version: string) {
    const form = await twineForm(path, { name: "demo-pkg", version });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", alice.token) },
    });
  }
  const get = (url: string, auth?: string, accept = "text/html") =>
    t.app.inject({ url, headers: { accept, ...(auth ? { authorization: auth } : {}) } });
  const page = () => `/preview/${staged.id}/simple/demo-pkg/`;

  it("lists the published files and the staged ones, staged ones under the preview's own URLs", async () => {
    const res = await get(page(), basicAuth("__token__", alice.token), JSON_ACCEPT);
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("private, no-store");
    const body = res.json() as { versions: string[]; files: Array<{ filename: string; url: string }> };
    expect(body.versions).toEqual(["1.0.0", "2.0.0"]);
    const urls = Object.fromEntries(body.files.map((f) => [f.filename, f.url]));
    expect(urls["demo_pkg-1.0.0.tar.gz"]).toMatch(/^\/files\/pypi\//);
    expect(urls["demo_pkg-2.0.0.tar.gz"]).toMatch(new RegExp(`^/preview/${staged.id}/files/pypi/`));
    expect(urls["demo_pkg-2.0.0-py3-none-any.whl"]).toMatch(new RegExp(`^/preview/${staged.id}/files/`));
    // The real index still does not show it.
    const simple = (await get("/simple/demo-pkg/", undefined, JSON_ACCEPT)).json() as { versions: string[] };
    expect(simple.versions).toEqual(["1.0.0"]);
    // HTML (PEP 503) as well, and the root listing names the one project.
    const html = await get(page(), basicAuth("__token__", alice.token));
    expect(html.body).toContain(`href="/preview/${staged.id}/files/pypi/`);
    const root = await get(`/preview/${staged.id}/simple/`, basicAuth("__token__", alice.token));
    expect(root.body).toContain(`href="/preview/${staged.id}/simple/demo-pkg/"`);
  });

  it("serves a staged file and its metadata to a maintainer only", async () => {
    const body = (await get(page(), basicAuth("__token__", alice.token), JSON_ACCEPT)).json() as {
      files: Array<{ filename: string; url: string; "core-metadata": unknown }>;
    };
    const wheel = body.files.find((f) => f.filename.endsWith("2.0.0-py3-none-any.whl"))!;
    const ok = await get(wheel.url, basicAuth("__token__", alice.token));
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.subarray(0, 2).toString()).toBe("PK");
    expect(wheel["core-metadata"]).not.toBe(false);
    const meta = await get(`${wheel.url}.metadata`, basicAuth("__token__", alice.token));
    expect(meta.body).toContain("Name: demo-pkg");
    expect((await get(wheel.url)).statusCode).toBe(401);
    expect((await get(wheel.url, basicAuth("__token__", bob.token))).statusCode).toBe(404);
    // Nor is it at the public /files/ URL before approval.
    expect((await get(wheel.url.replace(`/preview/${staged.id}`, ""))).statusCode).toBe(404);
  });

  it("asks anonymous clients and passwords for a token, with WWW-Authenticate so pip prompts", async () => {
    for (const auth of [
      undefined,
      basicAuth("alice", "correct horse battery"),
      basicAuth("__token__", "nope"),
    ]) {
      const res = await get(page(), auth);
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Basic /);
      expect(res.body).not.toContain("demo");
    }
  });

  it("answers a non-maintainer, a token for another project and an unknown id alike: 404", async () => {
    const scopedElsewhere = await tokenFor(t, alice.user.id, [
      (await findProject(t.deps.db, "pypi", "alices-other"))!.id,
    ]);
    const unknown = await get(
      "/preview/00000000-0000-4000-8000-000000000000/simple/demo-pkg/",
      basicAuth("__token__", alice.token),
    );
    expect(unknown.statusCode).toBe(404);
    const answers = [
      await get(page(), basicAuth("__token__", bob.token)),
      await get(page(), basicAuth("__token__", scopedElsewhere)),
    ];
    // Alice's token scoped to her own project reads it.
    const own = await tokenFor(t, alice.user.id, [staged.projectId]);
    expect((await get(page(), basicAuth("__token__", own))).statusCode).toBe(200);
    for (const res of answers) {
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe(unknown.body);
      expect(res.statusMessage).toBe(unknown.statusMessage);
    }
  });

  it("says a decided release is no longer previewable, to maintainers only", async () => {
    const project = await findProject(t.deps.db, "pypi", "demo-pkg");
    const grant = await authorize(
      t.deps,
      { userId: alice.user.id, emailVerified: true },
      "approve-staged",
      project,
    );
    await approveStaged(t.deps, { ip: "127.0.0.1" }, staged.id, { grant, factor: "totp" });
    const res = await get(page(), basicAuth("__token__", alice.token));
    expect(res.statusCode).toBe(404);
    expect(res.statusMessage).toMatch(
      /demo-pkg 2\.0\.0 was approved and published: install it from .*\/simple\//,
    );
    const theirs = await get(page(), basicAuth("__token__", bob.token));
    expect(theirs.statusMessage).toBe("No such staged release.");
  });

  it("closes an expired release's preview", async () => {
    await upload(await buildSdist(dir, { name: "demo-pkg", version: "3.0.0" }), "3.0.0");
    const s = (await listPending(t.deps.db, { userId: alice.user.id, now: t.clock.now() })).items[0]!;
    expect(s.version).toBe("3.0.0");
    expect(
      (await get(`/preview/${s.id}/simple/demo-pkg/`, basicAuth("__token__", alice.token))).statusCode,
    ).toBe(200);
    t.clock.advance(15 * DAY);
    const res = await get(`/preview/${s.id}/simple/demo-pkg/`, basicAuth("__token__", alice.token));
    expect(res.statusCode).toBe(404);
    expect(res.statusMessage).toMatch(/expired before anyone approved it/);
  });
});
