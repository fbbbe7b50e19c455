import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, makeTarball, npmUser, publishBody, stored } from "./test-fixtures.js";

describe.each(testDatabases())("npm publish and install on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const put = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });

  it("keeps a tarball's sha256 (its blob key) and npm's digests, not PyPI's md5 and BLAKE2b-256", async () => {
    const { auth } = await npmUser(t, "alice");
    const body = await publishBody("demo", "1.0.0");
    expect((await put("demo", body, auth)).statusCode).toBe(201);
    const data = Object.values(body._attachments as Record<string, { data: string }>)[0]!.data;
    const tgz = Buffer.from(data, "base64");
    const file = await t.deps.db.selectFrom("files").selectAll().executeTakeFirstOrThrow();
    expect(file.sha256).toBe(createHash("sha256").update(tgz).digest("hex"));
    // PyPI's upload digests: no npm client reads them, and they were half of a publish's hashing.
    expect([file.md5, file.blake2b_256]).toEqual(["", ""]);
    const dist = (await t.app.inject({ url: "/npm/demo" })).json().versions["1.0.0"].dist;
    expect(dist.integrity).toBe(`sha512-${createHash("sha512").update(tgz).digest("base64")}`);
    expect(dist.shasum).toBe(createHash("sha1").update(tgz).digest("hex"));
  });

  it("publishes unscoped and scoped packages and serves both packuments, tarballs and 304s", async () => {
    const { auth, user } = await npmUser(t, "alice");
    for (const name of ["demo", "@alice/tool"]) {
      const body = await publishBody(name, "1.0.0");
      const res = await put(name, body, auth);
      expect(res.statusCode, res.body).toBe(201);
    }
    const role = await t.deps.db.selectFrom("roles").selectAll().execute();
    expect(role.map((r) => [r.user_id, r.role])).toEqual([
      [user.id, "owner"],
      [user.id, "owner"],
    ]);

    const full = await t.app.inject({ url: "/npm/@alice%2ftool" });
    expect(full.statusCode).toBe(200);
    const doc = full.json();
    expect(doc.name).toBe("@alice/tool");
    expect(doc["dist-tags"]).toEqual({ latest: "1.0.0" });
    expect(doc._rev).toMatch(/^\d+-[0-9a-f]{16}$/);
    expect(doc.readme).toBe("# @alice/tool\n");
    expect(doc.maintainers).toEqual([{ name: "alice", email: "" }]);
    const v = doc.versions["1.0.0"];
    expect(v.dist.tarball).toBe(`${t.deps.config.origin}/npm/@alice/tool/-/tool-1.0.0.tgz`);
    expect(v._npmUser).toEqual({ name: "alice", email: "" });
    expect(v.readme).toBeUndefined();

    const abbrev = await t.app.inject({
      url: "/npm/@alice/tool",
      headers: {
        accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
        "accept-encoding": "gzip",
      },
    });
    expect(abbrev.headers["content-type"]).toBe("application/vnd.npm.install-v1+json");
    expect(abbrev.headers["content-encoding"]).toBe("gzip");
    const small = JSON.parse(gunzipSync(abbrev.rawPayload).toString("utf8"));
    expect(Object.keys(small).sort()).toEqual([
      "_id",
      "_rev",
      "dist-tags",
      "maintainers",
      "modified",
      "name",
      "versions",
    ]);
    expect(small.versions["1.0.0"].description).toBeUndefined();
    expect(small.versions["1.0.0"].dist.integrity).toBe(v.dist.integrity);

    const again = await t.app.inject({
      url: "/npm/@alice%2ftool",
      headers: { "if-none-match": full.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);

    const tgz = await t.app.inject({ url: "/npm/@alice/tool/-/tool-1.0.0.tgz" });
    expect(tgz.statusCode).toBe(200);
    expect(`sha512-${createHash("sha512").update(tgz.rawPayload).digest("base64")}`).toBe(v.dist.integrity);
    await t.deps.downloads.flush();
    const counts = await t.deps.db.selectFrom("download_counts").selectAll().execute();
    expect(counts.map((c) => c.count)).toEqual([1]);

    const one = await t.app.inject({ url: "/npm/demo/latest" });
    expect(one.json().version).toBe("1.0.0");
    expect((await t.app.inject({ url: "/npm/nothing-here" })).json()).toMatchObject({
      error: expect.any(String),
    });
  });

  it("shows a new version at once (the cache follows the change feed)", async () => {
    const { auth } = await npmUser(t, "alice");
    await put("demo", await publishBody("demo", "1.0.0"), auth);
    expect(Object.keys((await t.app.inject({ url: "/npm/demo" })).json().versions)).toEqual(["1.0.0"]);
    await put("demo", await publishBody("demo", "1.1.0", { tag: "next" }), auth);
    const doc = (await t.app.inject({ url: "/npm/demo" })).json();
    expect(Object.keys(doc.versions)).toEqual(["1.0.0", "1.1.0"]);
    expect(doc["dist-tags"]).toEqual({ latest: "1.0.0", next: "1.1.0" });
  });

  it("serves one version's manifest by number or dist-tag, following new publishes and tags", async () => {
    const { auth } = await npmUser(t, "alice");
    await put("demo", await publishBody("demo", "1.0.0"), auth);
    const byTag = await t.app.inject({ url: "/npm/demo/latest" });
    expect(byTag.headers["content-type"]).toMatch(/^application\/json/);
    expect(byTag.json()).toMatchObject({ name: "demo", version: "1.0.0" });
    expect((await t.app.inject({ url: "/npm/demo/1.0.0" })).json().version).toBe("1.0.0");
    await put("demo", await publishBody("demo", "1.1.0"), auth);
    expect((await t.app.inject({ url: "/npm/demo/latest" })).json().version).toBe("1.1.0");
    expect((await t.app.inject({ url: "/npm/demo/1.0.0" })).json().version).toBe("1.0.0");
    // Names of Object.prototype are neither versions nor tags.
    for (const spec of ["9.9.9", "constructor", "__proto__", "toString"]) {
      const r = await t.app.inject({ url: `/npm/demo/${spec}` });
      expect(r.statusCode, spec).toBe(404);
      expect(r.json().error).toMatch(/has no version or dist-tag/);
    }
  });

  describe("refuses bad input with a 4xx {error} and stores nothing", () => {
    const cases: Array<[string, (name: string) => Promise<unknown>, number, RegExp]> = [
      [
        "integrity mismatch",
        async (n) => publishBody(n, "1.0.0", { integrity: `sha512-${Buffer.alloc(64).toString("base64")}` }),
        400,
        /integrity/,
      ],
      ["shasum mismatch", async (n) => publishBody(n, "1.0.0", { shasum: "0".repeat(40) }), 400, /shasum/],
      [
        "attachment not a gzip tarball",
        async (n) => publishBody(n, "1.0.0", { tarball: Buffer.from("just some text, not gzip at all") }),
        400,
        /gzip/,
      ],
      [
        "gzip of something that is not a tar",
        async (n) =>
          publishBody(n, "1.0.0", {
            tarball: (await import("node:zlib")).gzipSync(Buffer.from("x".repeat(600))),
          }),
        400,
        /package\.json|tarball/,
      ],
      ["name in URL differs from the body", async () => publishBody("other", "1.0.0"), 400, /differ/],
      ["invalid version", async (n) => publishBody(n, "1.0"), 400, /Invalid version/],
      [
        "tarball for another version",
        async (n) => publishBody(n, "1.0.0", { tarball: await makeTarball({ name: n, version: "9.9.9" }) }),
        400,
        /9\.9\.9/,
      ],
    ];
    for (const [label, body, status, message] of cases) {
      it(label, async () => {
        const { auth } = await npmUser(t, "alice");
        const res = await put("demo", await body("demo"), auth);
        expect(res.statusCode, res.body).toBe(status);
        expect(res.json().error).toMatch(message);
        expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
      });
    }

    for (const bad of ["Demo", "fs", ".hidden", "a b", "@alice/Tool", "x".repeat(215)]) {
      it(`invalid name ${bad.slice(0, 20)}`, async () => {
        const { auth } = await npmUser(t, "alice");
        const res = await put(bad, await publishBody(bad, "1.0.0"), auth);
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatch(/Invalid package name/);
        expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
      });
    }

    it("version exists", async () => {
      const { auth } = await npmUser(t, "alice");
      expect((await put("demo", await publishBody("demo", "1.0.0"), auth)).statusCode).toBe(201);
      const before = await stored(t);
      const res = await put(
        "demo",
        await publishBody("demo", "1.0.0", {
          readme: "different bytes",
          extraManifest: { description: "changed" },
        }),
        auth,
      );
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatch(/cannot publish over the previously published version 1\.0\.0/);
      expect(await stored(t)).toEqual(before);
    });

    it("no token, and a read-only token", async () => {
      const res = await put("demo", await publishBody("demo", "1.0.0"), {});
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatch(/npm login/);
      const { user, auth } = await npmUser(t, "alice");
      await t.deps.db.updateTable("api_tokens").set({ readonly: 1 }).where("user_id", "=", user.id).execute();
      const ro = await put("demo", await publishBody("demo", "1.0.0"), auth);
      expect(ro.statusCode).toBe(403);
      expect(ro.json().error).toMatch(/read-only/);
      expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
    });
  });

  it("refuses a tarball over the size limit, and a body over it, with 413 and stores nothing", async () => {
    await t.close();
    t = await createTestApp(kind, { uploadLimitBytes: 2048 });
    const { auth } = await npmUser(t, "alice");
    const noise = (await import("node:crypto")).randomBytes(6000).toString("base64");
    const big = await makeTarball({ name: "demo", version: "1.0.0" }, { "package/blob.txt": noise });
    const res = await put("demo", await publishBody("demo", "1.0.0", { tarball: big }), auth);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatch(/limit here is 0 MB|MB/);
    const huge = await t.app.inject({
      method: "PUT",
      url: "/npm/demo",
      payload: JSON.stringify({ name: "demo", pad: "x".repeat(9 * 1024 * 1024) }),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatch(/larger than this registry accepts/);
    expect(await stored(t)).toEqual({ projects: 0, releases: 0, files: 0, journal: 0, tags: 0 });
  });
});
