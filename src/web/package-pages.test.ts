import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../accounts/index.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { cookieNames } from "./context.js";

describe.each(testDatabases())("npm package pages on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof npmUser>>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await npmUser(t, "alice");
  });
  afterEach(async () => {
    await t.close();
  });

  const put = (url: string, body: unknown) =>
    t.app.inject({
      method: "PUT",
      url,
      payload: JSON.stringify(body),
      headers: { ...alice.auth, "content-type": "application/json" },
    });
  async function publish(name: string, version: string, o: { tag?: string; readme?: string } = {}) {
    const res = await put(`/npm/${escaped(name)}`, await publishBody(name, version, o));
    expect(res.statusCode, res.body).toBe(201);
  }
  const page = (url: string) => t.app.inject({ url });
  /** Versions in the order the page lists them. */
  const listed = (body: string) => [...body.matchAll(/<li data-version="([^"]+)"/g)].map((m) => m[1]);

  it("shows an unscoped package: readme, install line, registry hint, maintainers, MFA block", async () => {
    await publish("demo", "1.0.0", { readme: "# Demo\n\nSome **bold** text.\n" });
    const res = await page("/package/demo");
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<h1>demo <span class="version">1\.0\.0<\/span>/);
    expect(res.body).toContain("the demo package");
    expect(res.body).toContain("<strong>bold</strong>");
    expect(textOf(res.body, "install-command")).toBe("npm install demo");
    expect(textOf(res.body, "registry-setup")).toBe(`registry=${t.deps.config.origin}/npm/`);
    expect(res.body).toContain('<a href="/user/alice/">alice</a>');
    expect(res.body).toContain('id="security"');
    expect(res.body).toMatch(/0 of 1 maintainer uses two-factor authentication/);
    // Anonymous visitors get no manage link.
    expect(res.body).not.toContain("/manage/package/");
    const tarball = /href="(\/npm\/demo\/-\/demo-1\.0\.0\.tgz)"/.exec(res.body)?.[1];
    expect((await page(tarball!)).statusCode).toBe(200);
  });

  it("shows a scoped package at /package/@scope/name and redirects the %2f and trailing-slash forms", async () => {
    await publish("@alice/tool", "1.0.0");
    const res = await page("/package/@alice/tool");
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body, "install-command")).toBe("npm install @alice/tool");
    expect(textOf(res.body, "registry-setup")).toBe(`@alice:registry=${t.deps.config.origin}/npm/`);
    for (const other of ["/package/@alice%2ftool", "/package/%40alice%2Ftool", "/package/@alice/tool/"]) {
      const moved = await page(other);
      expect(moved.statusCode, other).toBe(301);
      expect(moved.headers.location).toBe("/package/@alice/tool");
    }
    const pinned = await page("/package/@alice/tool/v/1.0.0");
    expect(pinned.statusCode).toBe(200);
    expect(textOf(pinned.body, "install-command")).toBe("npm install @alice/tool@1.0.0");
    // The links npm projects had before their pages existed land on the page.
    for (const old of ["/project/%40alice%2Ftool/", "/project/@alice/tool/"]) {
      const moved = await page(old);
      expect(moved.statusCode, old).toBe(301);
      expect(moved.headers.location).toBe("/package/@alice/tool");
    }
    // The scope page and the owner's lists link there.
    expect((await page("/scopes/alice/")).body).toContain('<a href="/package/@alice/tool">@alice/tool</a>');
    expect((await page("/user/alice/")).body).toContain('<a href="/package/@alice/tool">');
    const web = await page("/search?q=tool");
    expect(web.body).toMatch(
      /<a href="\/package\/@alice\/tool">@alice\/tool<\/a> <span class="version">1\.0\.0<\/span>/,
    );
    const search = await t.app.inject({ url: "/npm/-/v1/search?text=tool" });
    expect(search.json().objects[0].package.links.npm).toBe(`${t.deps.config.origin}/package/@alice/tool`);
  });

  it("orders versions by SemVer, marks pre-releases and shows dist-tags", async () => {
    // Upload order is not version order; `npm publish --tag maint` leaves `latest` where it was.
    await publish("demo", "1.10.0");
    await publish("demo", "1.9.0", { tag: "maint" });
    await publish("demo", "1.2.0", { tag: "maint" });
    await publish("demo", "2.0.0-rc.1", { tag: "next" });
    const res = await page("/package/demo");
    // `latest` is 1.10.0 (not the pre-release, not the last upload, not "1.9.0" > "1.10.0" as strings).
    expect(res.body).toMatch(/<h1>demo <span class="version">1\.10\.0<\/span>/);
    expect(listed(res.body)).toEqual(["2.0.0-rc.1", "1.10.0", "1.9.0", "1.2.0"]);
    const rc = res.body.slice(res.body.indexOf('data-version="2.0.0-rc.1"'));
    expect(rc.slice(0, rc.indexOf("</li>"))).toMatch(/badge">next<.*pre-release/s);
    const latest = res.body.slice(res.body.indexOf('data-version="1.10.0"'));
    expect(latest.slice(0, latest.indexOf("</li>"))).toContain('<span class="badge ok">latest</span>');
    const tags = res.body.slice(res.body.indexOf('id="dist-tags"'));
    expect(tags).toMatch(/<dt>latest<\/dt><dd><a href="\/package\/demo\/v\/1\.10\.0">1\.10\.0<\/a>/);
    expect(tags).toMatch(/<dt>next<\/dt><dd><a href="\/package\/demo\/v\/2\.0\.0-rc\.1">2\.0\.0-rc\.1<\/a>/);
    const older = await page("/package/demo/v/1.9.0");
    expect(older.body).toContain("The latest version is");
    expect(textOf(older.body, "install-command")).toBe("npm install demo@1.9.0");
  });

  it("marks deprecated versions with their message", async () => {
    await publish("demo", "1.0.0");
    await publish("demo", "2.0.0");
    const doc = (await t.app.inject({ url: "/npm/demo?write=true", headers: alice.auth })).json();
    doc.versions["1.0.0"].deprecated = "use 2.x <now>";
    expect((await put("/npm/demo", doc)).statusCode).toBe(200);
    const res = await page("/package/demo");
    const one = res.body.slice(res.body.indexOf('data-version="1.0.0"'));
    expect(one.slice(0, one.indexOf("</li>"))).toMatch(/deprecated<\/span>.*use 2\.x &lt;now>/s);
    const pinned = await page("/package/demo/v/1.0.0");
    expect(textOf(pinned.body, "deprecated-notice")).toContain("use 2.x &lt;now>");
    expect((await page("/package/demo")).body).not.toContain('id="deprecated-notice"');
  });

  it("answers 404 for unknown packages, versions and malformed names, without redirecting outward", async () => {
    await publish("demo", "1.0.0");
    for (const url of [
      "/package/nope",
      "/package/demo/v/9.9.9",
      "/package/demo/v/not-a-version",
      "/package/demo/extra",
      "/package/@alice",
      "/package/..%2f..%2fetc",
      "/package/%2F%2Fevil.example",
      "/project/@nobody/nothing/",
    ]) {
      const res = await page(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"]).toContain("text/html");
    }
    expect((await page("/package/nope")).body).toContain("There is no package named");
  });

  it("escapes HTML in the readme and the deprecation message", async () => {
    await publish("demo", "1.0.0", {
      readme: "# Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))\n",
    });
    const res = await page("/package/demo");
    expect(res.body).not.toMatch(/<script>alert|<img src=x|href="javascript:/);
    expect(res.body).toContain("&lt;script&gt;");
  });

  it("gives owners the manage page for npm: people, publishing security, history; no PyPI yanking", async () => {
    await publish("@alice/tool", "1.0.0");
    const { cookie } = await startSession(t.deps, { ip: "127.0.0.1" }, alice.user, "password");
    const headers = { cookie: `${cookieNames(false).session}=${cookie}` };
    const pkg = await t.app.inject({ url: "/package/@alice/tool", headers });
    expect(pkg.body).toContain('<a href="/manage/package/@alice/tool/">Manage package</a>');
    const manage = await t.app.inject({ url: "/manage/package/@alice/tool/", headers });
    expect(manage.statusCode).toBe(200);
    expect(manage.body).toContain('id="people"');
    expect(manage.body).toContain('action="/manage/package/@alice/tool/invite"');
    expect(manage.body).toContain('action="/manage/package/@alice/tool/settings"');
    expect(manage.body).toContain('id="security-history"');
    expect(manage.body).not.toContain("/yank");
    expect(manage.body).toContain("npm deprecate @alice/tool@&lt;version>");
    const moved = await t.app.inject({ url: "/manage/package/@alice%2ftool", headers });
    expect(moved.headers.location).toBe("/manage/package/@alice/tool/");
    expect((await t.app.inject({ url: "/manage/package/@alice/nope/", headers })).statusCode).toBe(404);
    const projects = await t.app.inject({ url: "/account/projects", headers });
    expect(projects.body).toContain('<a href="/package/@alice/tool">@alice/tool</a>');
    expect(projects.body).toContain('<a href="/manage/package/@alice/tool/">Manage</a>');
  });
});
