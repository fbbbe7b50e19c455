import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

describe.each(testDatabases())("public project pages on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-web-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function alicePublishes(name: string, versions: string[], o: Parameters<typeof publish>[5] = {}) {
    const { user, web } = await signedInUser(t, "alice");
    const token = await accountToken(t, user.id);
    for (const v of versions) expect((await publish(t, dir, token, name, v, o)).statusCode).toBe(200);
    return { user, web, token };
  }

  it("shows the latest version, install command, maintainers, links and files", async () => {
    await alicePublishes("Demo_Pkg", ["1.0", "1.10", "1.9", "2.0rc1"], {
      summary: "Does demo things",
      description: "# Demo\n\nSome **bold** text.\n",
      extra: "Project-URL: Source, https://git.example/demo\nLicense: MIT",
    });
    const page = await t.app.inject({ url: "/project/demo-pkg/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<h1>Demo_Pkg <span class="version">1\.10<\/span>/);
    expect(page.body).toContain("Does demo things");
    expect(textOf(page.body, "install-command")).toBe(
      `pip install --index-url ${t.deps.config.origin}/simple/ demo-pkg`,
    );
    expect(page.body).toContain('<a href="/user/alice/">alice</a>');
    expect(page.body).toContain('href="https://git.example/demo"');
    expect(page.body).toContain("<dd>MIT</dd>");
    expect(page.body).toContain("<code>>=3.8</code>");
    expect(page.body).toContain("<strong>bold</strong>");
    expect(page.body).toContain("demo_pkg-1.10-py3-none-any.whl");
    expect(page.body).toMatch(/SHA256 <code class="hash">[0-9a-f]{64}<\/code>/);
    expect(page.body).toContain("<summary>More hashes</summary>");
    expect(page.body).toMatch(/\d(\.\d)? KB/);
    const file = /href="(\/files\/[^"]+demo_pkg-1\.10-py3-none-any\.whl)"/.exec(page.body)![1]!;
    expect((await t.app.inject({ url: file })).statusCode).toBe(200);
    // Release history: every version, newest first by PEP 440 (not by upload order or as strings).
    const history = page.body.slice(page.body.indexOf('id="history"'));
    const order = [...history.matchAll(/href="\/project\/demo-pkg\/([^/]+)\/"/g)].map((m) => m[1]);
    expect(order).toEqual(["2.0rc1", "1.10", "1.9", "1.0"]);
    expect(history).toContain("pre-release");
  });

  it("redirects non-normalized names and answers 404 for unknown projects and versions", async () => {
    await alicePublishes("demo-pkg", ["1.0"]);
    const moved = await t.app.inject({ url: "/project/Demo_Pkg/" });
    expect(moved.statusCode).toBe(301);
    expect(moved.headers.location).toBe("/project/demo-pkg/");
    const movedVersion = await t.app.inject({ url: "/project/Demo.Pkg/1.0/" });
    expect(movedVersion.headers.location).toBe("/project/demo-pkg/1.0/");
    expect((await t.app.inject({ url: "/project/demo-pkg" })).headers.location).toBe("/project/demo-pkg/");
    const missing = await t.app.inject({ url: "/project/no-such-thing/" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toContain("text/html");
    expect(missing.body).toContain("There is no project named");
    expect((await t.app.inject({ url: "/project/demo-pkg/9.9/" })).statusCode).toBe(404);
    expect((await t.app.inject({ url: "/project/demo-pkg/not a version/" })).statusCode).toBe(404);
  });

  it("shows an older version on its own page with a pinned install command", async () => {
    await alicePublishes("demo-pkg", ["1.0", "2.0"]);
    const page = await t.app.inject({ url: "/project/demo-pkg/1.0/" });
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body, "install-command")).toContain("demo-pkg==1.0");
    expect(page.body).toContain("The latest version is");
    expect(page.body).toContain("Files for 1.0");
    expect(page.body).toContain('aria-current="page">1.0<');
  });

  it("offers the manage link to members only", async () => {
    const { web } = await alicePublishes("demo-pkg", ["1.0"]);
    expect((await web.get("/project/demo-pkg/")).body).toContain('href="/manage/project/demo-pkg/"');
    expect((await t.app.inject({ url: "/project/demo-pkg/" })).body).not.toContain("/manage/project/");
  });

  it("shows a public profile with projects and never the email address", async () => {
    await alicePublishes("demo-pkg", ["1.0"]);
    const page = await t.app.inject({ url: "/user/alice/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<h1>alice</h1>");
    expect(page.body).toContain("Member since");
    expect(page.body).toContain('href="/project/demo-pkg/"');
    expect(page.body).not.toContain("alice@example.com");
    expect(page.body).not.toContain("@example.com");
    expect((await t.app.inject({ url: "/user/ALICE/" })).headers.location).toBe("/user/alice/");
    expect((await t.app.inject({ url: "/user/nobody/" })).statusCode).toBe(404);
  });

  it("finds projects by substring, prefix matches first, with latest version and summary", async () => {
    const { token } = await alicePublishes("flask-thing", ["0.1", "0.2"], { summary: "A thing for flask" });
    await publish(t, dir, token, "thing-utils", "3.0", { summary: "Utilities" });
    await publish(t, dir, token, "unrelated", "1.0");
    const res = await t.app.inject({ url: "/search?q=THING" });
    expect(res.statusCode).toBe(200);
    const names = [...res.body.matchAll(/<h2><a href="\/project\/([^/]+)\/">/g)].map((m) => m[1]);
    expect(names).toEqual(["thing-utils", "flask-thing"]);
    expect(res.body).toContain('<span class="version">0.2</span>');
    expect(res.body).toContain("A thing for flask");
    expect(res.body).toContain('value="THING"');
    const underscored = await t.app.inject({ url: "/search?q=Flask_Thing" });
    expect(underscored.body).toContain('href="/project/flask-thing/"');
    const none = await t.app.inject({ url: "/search?q=zzz" });
    expect(none.body).toContain("No projects match");
    const empty = await t.app.inject({ url: "/search" });
    expect(empty.statusCode).toBe(200);
  });

  it("puts a labelled search box in every page's header, and account links when signed in", async () => {
    const home = await t.app.inject({ url: "/" });
    expect(home.body).toContain('<form method="get" action="/search">');
    expect(home.body).toContain('<label for="site-search-q"');
    expect(home.body).not.toContain('href="/account/tokens"');
    const { web } = await signedInUser(t, "alice");
    const signed = await web.get("/");
    expect(signed.body).toContain('<a href="/account/projects">Your projects</a>');
    expect(signed.body).toContain('<a href="/account/tokens">API tokens</a>');
  });
});
