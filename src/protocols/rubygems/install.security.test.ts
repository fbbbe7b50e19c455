import { createHash } from "node:crypto";
import { gunzipSync, inflateSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gemspecYaml } from "../../ecosystems/rubygems/test-fixtures.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../../test-support/index.js";
import { gemOf } from "./test-fixtures.js";

/** A gem without `rubygems_mfa_required`, so a maintainer without a second factor may push it. */
const yamlOf = (name: string, version: string, platform = "ruby") =>
  gemspecYaml({ name, version, platform }).replace("  rubygems_mfa_required: 'true'\n", "  x: 'y'\n");

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

// The install side as Bundler and gem read it, and who may yank and change owners. Each answer is
// checked the way the client checks it (the ETag is the MD5 Bundler compares after appending a range).
describe.each(testDatabases())("rubygems install side, yank and owners on %s", (kind) => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = (await maintainer(t, "alice")).token;
    bob = (await maintainer(t, "bob")).token;
  });
  afterEach(async () => {
    await t.close();
  });

  const push = async (name: string, version: string, platform = "ruby", key = alice) => {
    const r = await t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      payload: await gemOf(yamlOf(name, version, platform)),
      headers: { "content-type": "application/octet-stream", authorization: key },
    });
    return r;
  };
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "GET", url, headers });
  const form = (method: "DELETE" | "POST", url: string, body: Record<string, string>, key: string) =>
    t.app.inject({
      method,
      url,
      payload: new URLSearchParams(body).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: key },
    });

  it("serves info, versions and names in the compact index format, the ETag being the MD5 of the body", async () => {
    expect((await push("hello-rg", "1.0.0")).statusCode).toBe(200);
    expect((await push("hello-rg", "1.1.0.pre.rc1", "x86_64-linux")).statusCode).toBe(200);
    const info = await get("/rubygems/info/hello-rg");
    expect(info.statusCode).toBe(200);
    expect(info.headers["content-type"]).toMatch(/^text\/plain/);
    const lines = info.body.split("\n");
    expect(lines[0]).toBe("---");
    expect(lines[1]).toMatch(
      /^1\.0\.0 rake:~> 13\.0&>= 13\.0\.1\|checksum:[0-9a-f]{64},ruby:>= 2\.7,rubygems:> 1\.3\.1$/,
    );
    expect(lines[2]).toMatch(/^1\.1\.0\.pre\.rc1-x86_64-linux rake:/);
    expect(info.headers.etag).toBe(`"${md5(info.body)}"`);
    expect(info.headers["repr-digest"]).toBe(
      `sha-256=:${createHash("sha256").update(info.body).digest("base64")}:`,
    );
    const gem = (await t.deps.db.selectFrom("files").select(["filename", "sha256"]).execute()).find(
      (f) => f.filename === "hello-rg-1.0.0.gem",
    );
    expect(lines[1]).toContain(`checksum:${gem?.sha256}`);

    const versions = await get("/rubygems/versions");
    expect(versions.body).toMatch(/^created_at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n---\n/);
    expect(versions.body).toContain(`hello-rg 1.0.0,1.1.0.pre.rc1-x86_64-linux ${md5(info.body)}\n`);
    expect((await get("/rubygems/names")).body).toBe("---\nhello-rg\n");
    expect((await get("/rubygems/info/no-such-gem")).statusCode).toBe(404);
  });

  it("describes each platform of a version by its own gemspec (a native gem's narrower Ruby, its own dependencies)", async () => {
    expect((await push("hello-rg", "1.0.0")).statusCode).toBe(200);
    const native = yamlOf("hello-rg", "1.0.0", "x86_64-linux")
      .replace("      version: '2.7'", "      version: '3.1'")
      .replace("  name: rake", "  name: rake-native");
    const r = await t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      payload: await gemOf(native),
      headers: { "content-type": "application/octet-stream", authorization: alice },
    });
    expect(r.statusCode, r.body).toBe(200);
    const lines = (await get("/rubygems/info/hello-rg")).body.split("\n");
    expect(lines[1]).toMatch(/^1\.0\.0 rake:~> 13\.0&>= 13\.0\.1\|checksum:[0-9a-f]{64},ruby:>= 2\.7,/);
    expect(lines[2]).toMatch(
      /^1\.0\.0-x86_64-linux rake-native:~> 13\.0&>= 13\.0\.1\|checksum:[0-9a-f]{64},ruby:>= 3\.1,/,
    );
    const versions = (await get("/rubygems/versions")).body;
    expect(versions).toContain(
      `hello-rg 1.0.0,1.0.0-x86_64-linux ${md5((await get("/rubygems/info/hello-rg")).body)}`,
    );
  });

  it("answers Bundler's conditional and range requests: 304, 206 with the appended tail, 416 past the end, gzip", async () => {
    await push("hello-rg", "1.0.0");
    const before = (await get("/rubygems/info/hello-rg")).body;
    const same = await get("/rubygems/info/hello-rg", {
      "if-none-match": `"${md5(before)}"`,
      range: `bytes=${before.length - 1}-`,
    });
    expect(same.statusCode).toBe(304);
    await push("hello-rg", "1.0.1");
    const tail = await get("/rubygems/info/hello-rg", {
      "if-none-match": `"${md5(before)}"`,
      range: `bytes=${before.length - 1}-`,
    });
    expect(tail.statusCode).toBe(206);
    // What Bundler does: append all but the first byte, then compare the MD5 with the ETag.
    const appended = before + tail.body.slice(1);
    expect(tail.headers.etag).toBe(`"${md5(appended)}"`);
    expect(tail.headers["content-range"]).toBe(
      `bytes ${before.length - 1}-${appended.length - 1}/${appended.length}`,
    );
    expect((await get("/rubygems/info/hello-rg", { range: "bytes=99999-" })).statusCode).toBe(416);
    const gz = await get("/rubygems/info/hello-rg", { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.rawPayload).toString()).toBe(appended);
  });

  it("serves the .gem and its Marshal'd gemspec (zlib), and nothing for names that do not exist", async () => {
    await push("hello-rg", "1.0.0", "x86_64-linux");
    const gem = await get("/rubygems/gems/hello-rg-1.0.0-x86_64-linux.gem");
    expect(gem.statusCode).toBe(200);
    expect(gem.rawPayload.subarray(257, 262).toString()).toBe("ustar");
    const rz = await get("/rubygems/quick/Marshal.4.8/hello-rg-1.0.0-x86_64-linux.gemspec.rz");
    expect(rz.statusCode).toBe(200);
    const marshal = inflateSync(rz.rawPayload);
    expect(marshal.subarray(0, 2)).toEqual(Buffer.from([4, 8]));
    expect(marshal.toString("latin1")).toContain("Gem::Specification");
    expect((await get("/rubygems/gems/hello-rg-1.0.0.gem")).statusCode).toBe(404);
    expect((await get("/rubygems/quick/Marshal.4.8/../../etc.gemspec.rz")).statusCode).toBe(404);
    expect((await t.app.inject({ method: "HEAD", url: "/rubygems/" })).statusCode).toBe(200);
  });

  it("gem yank: only owners, the version leaves the index and downloads, and its number is never pushed again", async () => {
    await push("hello-rg", "1.0.0");
    await push("hello-rg", "1.1.0");
    const yank = (body: Record<string, string>, key = alice) =>
      form("DELETE", "/rubygems/api/v1/gems/yank", body, key);
    const none = await t.app.inject({ method: "DELETE", url: "/rubygems/api/v1/gems/yank" });
    expect(none.statusCode).toBe(401);
    const theirs = await yank({ gem_name: "hello-rg", version: "1.1.0" }, bob);
    expect(theirs.statusCode).toBe(403);
    expect(theirs.body).toMatch(/not an owner or maintainer of 'hello-rg'/);
    expect((await yank({ gem_name: "nope", version: "1.0.0" })).statusCode).toBe(404);
    expect((await yank({ gem_name: "hello-rg", version: "9.9.9" })).body).toMatch(
      /9\.9\.9 of hello-rg does not exist/,
    );
    const wrongPlatform = await yank({ gem_name: "hello-rg", version: "1.1.0", platform: "java" });
    expect(wrongPlatform.statusCode).toBe(404);
    // Downloaded before the yank: its lookup and bytes are kept in memory, and the yank still ends it.
    const before = await get("/rubygems/gems/hello-rg-1.1.0.gem");
    expect(before.statusCode).toBe(200);
    expect((await get("/rubygems/gems/hello-rg-1.1.0.gem")).rawPayload).toEqual(before.rawPayload);

    const ok = await yank({ gem_name: "hello-rg", version: "1.1.0" });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body).toBe("Successfully deleted gem: hello-rg (1.1.0)");
    expect((await yank({ gem_name: "hello-rg", version: "1.1.0" })).body).toMatch(/already been yanked/);
    const info = (await get("/rubygems/info/hello-rg")).body;
    expect(info).not.toContain("1.1.0");
    expect((await get("/rubygems/versions")).body).toContain(`hello-rg 1.0.0 ${md5(info)}\n`);
    expect((await get("/rubygems/gems/hello-rg-1.1.0.gem")).statusCode).toBe(404);
    expect((await get("/rubygems/quick/Marshal.4.8/hello-rg-1.1.0.gemspec.rz")).statusCode).toBe(404);
    const again = await push("hello-rg", "1.1.0");
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatch(/was yanked and its number is never used again/);

    // The last version yanked: the gem leaves versions, and info has nothing to offer.
    await yank({ gem_name: "hello-rg", version: "1.0.0" });
    expect((await get("/rubygems/versions")).body).toMatch(/\nhello-rg -1\.0\.0 [0-9a-f]{32}\n$/);
    expect((await get("/rubygems/info/hello-rg")).statusCode).toBe(404);
  });

  it("gem owner: lists handles (never emails), only owners add or remove, and the last owner stays", async () => {
    await push("hello-rg", "1.0.0");
    const listed = await get("/rubygems/api/v1/gems/hello-rg/owners.yaml");
    expect(listed.body).toBe('---\n- handle: "alice"\n');
    const url = "/rubygems/api/v1/gems/hello-rg/owners";
    const byBob = await form("POST", url, { email: "bob" }, bob);
    expect(byBob.statusCode).toBe(403);
    expect((await form("POST", url, { email: "nobody@example.com" }, alice)).body).toMatch(
      /Owner could not be found/,
    );
    const added = await form("POST", url, { email: "bob@example.com" }, alice);
    expect(added.statusCode, added.body).toBe(200);
    expect(added.body).toBe("bob is now an owner of hello-rg.");
    expect((await get("/rubygems/api/v1/gems/hello-rg/owners.yaml")).body).toBe(
      '---\n- handle: "alice"\n- handle: "bob"\n',
    );
    expect((await form("DELETE", url, { email: "alice" }, bob)).statusCode).toBe(200);
    const last = await form("DELETE", url, { email: "bob" }, bob);
    expect(last.statusCode).toBeGreaterThanOrEqual(400);
    expect(JSON.parse((await get(url)).body)).toEqual([{ handle: "bob" }]);
  });

  it("keeps versions append-only: a push, a yank and a new gem each add a line at the end", async () => {
    await push("hello-rg", "1.0.0");
    const v1 = (await get("/rubygems/versions")).body;
    expect(v1).toMatch(/\nhello-rg 1\.0\.0 [0-9a-f]{32}\n$/);
    t.clock.advance(1000);
    await push("hello-rg", "1.1.0");
    await push("other-rg", "0.1.0");
    const v2 = await get("/rubygems/versions", { range: `bytes=${v1.length - 1}-` });
    expect(v2.statusCode).toBe(206);
    const whole = v1 + v2.body.slice(1);
    expect(v2.headers.etag).toBe(`"${md5(whole)}"`);
    const info = (await get("/rubygems/info/hello-rg")).body;
    expect(whole.slice(v1.length)).toBe(
      `hello-rg 1.1.0 ${md5(info)}\nother-rg 0.1.0 ${md5((await get("/rubygems/info/other-rg")).body)}\n`,
    );
    await form("DELETE", "/rubygems/api/v1/gems/yank", { gem_name: "hello-rg", version: "1.0.0" }, alice);
    const v3 = (await get("/rubygems/versions")).body;
    expect(v3.startsWith(whole)).toBe(true);
    expect(v3.slice(whole.length)).toBe(
      `hello-rg -1.0.0 ${md5((await get("/rubygems/info/hello-rg")).body)}\n`,
    );
    // Nothing moved: the same bytes again.
    expect((await get("/rubygems/versions")).body).toBe(v3);
  });

  it("hides a quarantined gem from every install URL and from the owners list", async () => {
    await push("hello-rg", "1.0.0");
    expect((await get("/rubygems/versions")).body).toMatch(/\nhello-rg 1\.0\.0 /);
    const project = await t.deps.db.selectFrom("projects").select("id").executeTakeFirstOrThrow();
    await t.deps.db
      .updateTable("projects")
      .set({ quarantined_at: t.clock.now() })
      .where("id", "=", project.id)
      .execute();
    await t.deps.changes.publish(project.id);
    for (const url of [
      "/rubygems/info/hello-rg",
      "/rubygems/gems/hello-rg-1.0.0.gem",
      "/rubygems/quick/Marshal.4.8/hello-rg-1.0.0.gemspec.rz",
      "/rubygems/api/v1/gems/hello-rg/owners.yaml",
    ])
      expect((await get(url)).statusCode, url).toBe(404);
    // Bundler's copy had it: the log takes it back with a removal line.
    expect((await get("/rubygems/versions")).body).toMatch(/\nhello-rg -1\.0\.0 [0-9a-f]{32}\n$/);
    expect((await get("/rubygems/names")).body).not.toContain("hello-rg");
    const yank = await form(
      "DELETE",
      "/rubygems/api/v1/gems/yank",
      { gem_name: "hello-rg", version: "1.0.0" },
      alice,
    );
    expect(yank.statusCode).toBe(403);
    expect(yank.body).toMatch(/quarantined/);
  });
});
