import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSdist, buildWheel } from "../../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  tokenFor,
  twineForm,
} from "../../test-support/index.js";
import { revokeUserToken } from "../../tokens/index.js";

describe.each(testDatabases())("PyPI upload and simple API on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-dists-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(
    path: string,
    token: string,
    fields: Record<string, string | undefined> = {},
    user = "__token__",
  ) {
    const name = fields.name ?? "demo-pkg";
    const version = fields.version ?? "1.0.0";
    const form = await twineForm(path, { name, version, ...fields });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth(user, token) },
    });
  }

  const rows = async () => ({
    files: (await t.deps.db.selectFrom("files").select("id").execute()).length,
    projects: (await t.deps.db.selectFrom("projects").select("id").execute()).length,
  });

  it("publishes a wheel and an sdist, creating the project with the uploader as owner", async () => {
    const { token, user } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const sdist = await buildSdist(dir, { name: "demo-pkg", version: "1.0.0" });
    expect((await upload(wheel, token)).statusCode).toBe(200);
    expect((await upload(sdist, token)).statusCode).toBe(200);
    const role = await t.deps.db.selectFrom("roles").selectAll().executeTakeFirstOrThrow();
    expect([role.user_id, role.role]).toEqual([user.id, "owner"]);

    const json = await t.app.inject({
      url: "/simple/demo-pkg/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    expect(json.headers["content-type"]).toBe("application/vnd.pypi.simple.v1+json");
    const body = json.json();
    expect(body.meta["api-version"]).toBe("1.1");
    expect(body.versions).toEqual(["1.0.0"]);
    const w = body.files.find((f: { filename: string }) => f.filename.endsWith(".whl"));
    expect(w["core-metadata"].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(w["requires-python"]).toBe(">=3.8");
    const s = body.files.find((f: { filename: string }) => f.filename.endsWith(".tar.gz"));
    expect(s["core-metadata"]).toBe(false);

    const html = await t.app.inject({ url: "/simple/demo-pkg/" });
    expect(html.headers["content-type"]).toContain("text/html");
    expect(html.body).toContain('<meta name="pypi:repository-version" content="1.1">');
    expect(html.body).toContain('data-requires-python="&gt;=3.8"');

    const file = await t.app.inject({ url: w.url });
    expect(file.statusCode).toBe(200);
    expect(file.headers.etag).toBe(`"${w.hashes.sha256}"`);
    expect(file.headers["cache-control"]).toContain("immutable");
    const meta = await t.app.inject({ url: `${w.url}.metadata` });
    expect(meta.body).toContain("Name: demo-pkg");
    const part = await t.app.inject({ url: w.url, headers: { range: "bytes=0-9" } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.length).toBe(10);
    expect(
      (await t.app.inject({ url: w.url, headers: { "if-none-match": file.headers.etag as string } }))
        .statusCode,
    ).toBe(304);

    const api = (await t.app.inject({ url: "/pypi/demo-pkg/json" })).json();
    expect(api.info.version).toBe("1.0.0");
    expect(api.releases["1.0.0"]).toHaveLength(2);
    expect((await t.app.inject({ url: "/pypi/Demo_Pkg/1.0.0/json" })).json().urls).toHaveLength(2);
  });

  it("redirects a non-normalized name to the normalized simple URL", async () => {
    const res = await t.app.inject({ url: "/simple/Demo_Pkg/" });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe("/simple/demo-pkg/");
  });

  it("stores both of two parallel uploads that create the same project and release", async () => {
    const { token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const sdist = await buildSdist(dir, { name: "demo-pkg", version: "1.0.0" });
    const [a, b] = await Promise.all([upload(wheel, token), upload(sdist, token)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(await rows()).toEqual({ files: 2, projects: 1 });
  });

  it("answers a second upload of the same file with 400 File already exists", async () => {
    const { token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    await upload(wheel, token);
    const again = await upload(wheel, token);
    expect(again.statusCode).toBe(400);
    expect(again.statusMessage).toMatch(/^File already exists/);
  });

  it("refuses a username and password with 403 and a reason naming the tokens page", async () => {
    await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const res = await upload(wheel, "correct horse battery", {}, "alice");
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("/account/tokens");
    expect(await rows()).toEqual({ files: 0, projects: 0 });
  });

  it("refuses tokens that are out of scope, expired or revoked, saying which", async () => {
    const alice = await maintainer(t, "alice");
    await upload(await buildWheel(dir, { name: "proj-a", version: "1.0" }), alice.token, {
      name: "proj-a",
      version: "1.0",
    });
    await upload(await buildWheel(dir, { name: "proj-b", version: "1.0" }), alice.token, {
      name: "proj-b",
      version: "1.0",
    });
    const a = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("normalized_name", "=", "proj-a")
      .executeTakeFirstOrThrow();
    const scoped = await tokenFor(t, alice.user.id, [a.id]);
    const wheelB = await buildWheel(dir, { name: "proj-b", version: "2.0" });
    const out = await upload(wheelB, scoped, { name: "proj-b", version: "2.0" });
    expect(out.statusCode).toBe(403);
    expect(out.statusMessage).toContain("not scoped to project 'proj-b'");

    const expired = await tokenFor(t, alice.user.id, null, t.clock.now() + 1000);
    t.clock.advance(2000);
    const exp = await upload(wheelB, expired, { name: "proj-b", version: "2.0" });
    expect(exp.statusMessage).toMatch(/expired on \d{4}-\d\d-\d\d/);

    // Revoked the way users do (the web, npm token revoke): the verified-token cache hears of it at once.
    await revokeUserToken(t.deps, { ip: "127.0.0.1", userAgent: "test" }, alice.user, alice.tokenId);
    const rev = await upload(wheelB, alice.token, { name: "proj-b", version: "2.0" });
    expect(rev.statusMessage).toContain("revoked");
    expect((await t.deps.db.selectFrom("files").select("id").execute()).length).toBe(2);
  });

  it("refuses to upload to someone else's project, or to a look-alike of it", async () => {
    const alice = await maintainer(t, "alice");
    const bob = await maintainer(t, "bob");
    await upload(await buildWheel(dir, { name: "requests", version: "1.0" }), alice.token, {
      name: "requests",
      version: "1.0",
    });
    const theirs = await upload(await buildWheel(dir, { name: "requests", version: "1.1" }), bob.token, {
      name: "requests",
      version: "1.1",
    });
    expect(theirs.statusCode).toBe(403);
    expect(theirs.statusMessage).toContain("not an owner or maintainer");
    const twin = await upload(await buildWheel(dir, { name: "Reque_sts", version: "1.0" }), bob.token, {
      name: "Reque_sts",
      version: "1.0",
    });
    expect(twin.statusCode).toBe(403);
    expect(twin.statusMessage).toContain("too similar");
    expect(await rows()).toEqual({ files: 1, projects: 1 });
  });

  it("leaves no temp file, blob or row behind after a refused upload", async () => {
    const { token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const form = await twineForm(wheel, {
      name: "demo-pkg",
      version: "1.0.0",
      sha256_digest: "0".repeat(64),
    });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("sha256 digest does not match");
    expect(await rows()).toEqual({ files: 0, projects: 0 });
    expect(readdirSync(join(t.dataDir, "tmp", "uploads"))).toEqual([]);
    const blobs = join(t.dataDir, "blobs");
    const listed = existsSync(blobs)
      ? readdirSync(blobs, { recursive: true }).filter((p) => !String(p).startsWith(".tmp"))
      : [];
    expect(listed).toEqual([]);
  });
});
