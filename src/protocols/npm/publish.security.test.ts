import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, makeTarball, npmUser, publishBody, stored } from "./test-fixtures.js";

// Manifest confusion (issue 11, item 10): what the registry says about a version must be what the
// tarball installs, and the registry vouches only for what it computed itself.

type Member = {
  name: string;
  content?: string;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
};

/** A tarball with exactly these members, names written as given (tar-stream does not sanitize them). */
async function rawTarball(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const m of members)
    pack.entry({ name: m.name, type: m.type ?? "file", linkname: m.linkname, mode: 0o644 }, m.content ?? "");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

const EMPTY = { projects: 0, releases: 0, files: 0, journal: 0, tags: 0 };

describe.each(testDatabases())("npm publish against manifest confusion on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const put = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });
  const abbreviated = async (name: string) =>
    (
      await t.app.inject({
        url: `/npm/${escaped(name)}`,
        headers: { accept: "application/vnd.npm.install-v1+json" },
      })
    ).json();

  it("refuses a manifest that hides the tarball's install script or dependencies, and stores nothing", async () => {
    const { auth } = await npmUser(t, "alice");
    const hidden = { name: "demo", version: "1.0.0", scripts: { postinstall: "node steal.js" } };
    const body = await publishBody("demo", "1.0.0", { tarball: await makeTarball(hidden) });
    const res = await put("demo", body, auth);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatch(
      /declares install scripts that the manifest sent leaves out: postinstall/,
    );

    const deps = { name: "demo", version: "1.0.0", dependencies: { "evil-dep": "^1.0.0" } };
    const res2 = await put(
      "demo",
      await publishBody("demo", "1.0.0", { tarball: await makeTarball(deps) }),
      auth,
    );
    expect(res2.statusCode, res2.body).toBe(400);
    expect(res2.json().error).toMatch(/dependencies that the manifest sent leaves out: evil-dep/);
    expect(await stored(t)).toEqual(EMPTY);
  });

  it("accepts the body real npm 11 sends (normalized bin, scripts and node-gyp install) and serves the tarball's fields", async () => {
    const { auth } = await npmUser(t, "alice");
    const packageJson = {
      name: "demo",
      version: "1.0.0",
      bin: "./bin/demo.js",
      scripts: { postinstall: "node_modules/.bin/foo", test: "vitest" },
      dependencies: { "left-pad": "1.3.0" },
      optionalDependencies: { fsevents: "^2" },
      os: ["linux"],
      engines: { node: ">=20" },
    };
    const tarball = await makeTarball(packageJson, {
      "package/bin/demo.js": "#!/usr/bin/env node\n",
      "package/binding.gyp": "{}",
      "package/npm-shrinkwrap.json": "{}",
    });
    // What `npm publish` (11.19) sent for this package, captured from the wire.
    const body = await publishBody("demo", "1.0.0", {
      tarball,
      extraManifest: {
        ...packageJson,
        bin: { demo: "bin/demo.js" },
        scripts: { postinstall: "foo", test: "vitest", install: "node-gyp rebuild" },
        gypfile: true,
        // A lie in a range the name check lets through: the stored value is still the tarball's.
        dependencies: { "left-pad": "file:../elsewhere" },
        cpu: ["x64"],
        hasInstallScript: false,
        _hasShrinkwrap: false,
      },
    });
    const res = await put("demo", body, auth);
    expect(res.statusCode, res.body).toBe(201);
    const v = (await abbreviated("demo")).versions["1.0.0"];
    expect(v.hasInstallScript).toBe(true);
    expect(v.dependencies).toEqual({ "left-pad": "1.3.0" });
    expect(v.optionalDependencies).toEqual({ fsevents: "^2" });
    expect(v.bin).toEqual({ demo: "bin/demo.js" });
    expect(v.os).toEqual(["linux"]);
    expect(v.cpu).toBeUndefined();
    expect(v._hasShrinkwrap).toBe(true);
    const full = (await t.app.inject({ url: "/npm/demo" })).json().versions["1.0.0"];
    expect(full.scripts).toEqual({ postinstall: "foo", test: "vitest", install: "node-gyp rebuild" });
    expect(full.hasInstallScript).toBe(true);
  });

  it("announces an install script for a binding.gyp package even when the manifest says none", async () => {
    const { auth } = await npmUser(t, "alice");
    const tarball = await makeTarball({ name: "demo", version: "1.0.0" }, { "package/binding.gyp": "{}" });
    const res = await put("demo", await publishBody("demo", "1.0.0", { tarball }), auth);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatch(/install scripts that the manifest sent leaves out: install/);
    const off = await makeTarball(
      { name: "demo", version: "1.0.0", gypfile: false },
      { "package/binding.gyp": "{}" },
    );
    const ok = await put("demo", await publishBody("demo", "1.0.0", { tarball: off }), auth);
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await abbreviated("demo")).versions["1.0.0"].hasInstallScript).toBeUndefined();
  });

  it("never stores or serves dist fields the registry did not compute", async () => {
    const { auth } = await npmUser(t, "alice");
    const body = await publishBody("demo", "1.0.0");
    const manifest = body.versions["1.0.0"] as Record<string, unknown> & { dist: Record<string, unknown> };
    const real = manifest.dist.integrity as string;
    manifest.dist = {
      ...manifest.dist,
      integrity: `${real} sha1-${Buffer.alloc(20).toString("base64")}`,
      signatures: [{ keyid: "SHA256:registry", sig: "forged" }],
      attestations: { url: "https://evil.example/att", provenance: { predicateType: "slsa" } },
      "npm-signature": "forged",
    };
    expect((await put("demo", body, auth)).statusCode).toBe(201);
    const row = await t.deps.db.selectFrom("releases").select(["id", "metadata"]).executeTakeFirstOrThrow();
    const storedDist = JSON.parse(String(row.metadata)).dist;
    expect(Object.keys(storedDist).sort()).toEqual(["fileCount", "integrity", "shasum", "unpackedSize"]);
    expect(storedDist.integrity).toBe(real);

    // A row written before this rule still holds the publisher's signatures: they are not served.
    const old = {
      ...JSON.parse(String(row.metadata)),
      dist: { ...storedDist, signatures: [{ sig: "forged" }] },
    };
    await t.deps.db
      .updateTable("releases")
      .set({ metadata: JSON.stringify(old) })
      .where("id", "=", row.id)
      .execute();
    for (const doc of [(await t.app.inject({ url: "/npm/demo" })).json(), await abbreviated("demo")]) {
      expect(Object.keys(doc.versions["1.0.0"].dist).sort()).toEqual([
        "fileCount",
        "integrity",
        "shasum",
        "tarball",
        "unpackedSize",
      ]);
    }
  });

  describe("refuses tarball members npm pack never writes, and stores nothing", () => {
    const pj = (extra: Record<string, unknown> = {}) =>
      JSON.stringify({ name: "demo", version: "1.0.0", description: "the demo package", ...extra });
    const cases: Array<[string, Member[], RegExp]> = [
      [
        "a '..' path",
        [{ name: "package/package.json", content: pj() }, { name: "package/../../x" }],
        /'\.\.' segment/,
      ],
      [
        "an absolute path",
        [{ name: "package/package.json", content: pj() }, { name: "/etc/cron.d/x" }],
        /absolute path/,
      ],
      [
        "a backslash",
        [{ name: "package/package.json", content: pj() }, { name: "package\\..\\x" }],
        /backslash/,
      ],
      ["a drive letter", [{ name: "package/package.json", content: pj() }, { name: "C:/x" }], /drive letter/],
      [
        "a member outside package/",
        [{ name: "package/package.json", content: pj() }, { name: "other/x" }],
        /not under package\//,
      ],
      [
        "a second package/package.json",
        [
          { name: "package/package.json", content: pj() },
          { name: "package/package.json", content: pj({ scripts: { postinstall: "node steal.js" } }) },
        ],
        /package\/package\.json' twice/,
      ],
      [
        "a second package.json spelled package/./package.json",
        [
          { name: "package/package.json", content: pj() },
          { name: "package/./package.json", content: pj({ scripts: { postinstall: "node steal.js" } }) },
        ],
        /twice/,
      ],
      [
        "a symlink",
        [
          { name: "package/package.json", content: pj() },
          { name: "package/x", type: "symlink", linkname: "/etc/passwd" },
        ],
        /is a symlink/,
      ],
      [
        "a hard link",
        [
          { name: "package/package.json", content: pj() },
          { name: "package/x", type: "link", linkname: "package/package.json" },
        ],
        /is a link/,
      ],
    ];
    for (const [label, members, message] of cases) {
      it(label, async () => {
        const { auth } = await npmUser(t, "alice");
        const res = await put(
          "demo",
          await publishBody("demo", "1.0.0", { tarball: await rawTarball(members) }),
          auth,
        );
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error).toMatch(message);
        expect(await stored(t)).toEqual(EMPTY);
      });
    }
  });
});
