import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../accounts/index.js";
import { gemspecYaml } from "../ecosystems/rubygems/test-fixtures.js";
import { codeAt, enrollTotp, signedUp } from "../mfa/test-helpers.js";
import { gemOf } from "../protocols/rubygems/test-fixtures.js";
import { createTestApp, maintainer, type TestApp, testDatabases, tokenFor } from "../test-support/index.js";
import { cookieNames } from "./context.js";

/** A gem without `rubygems_mfa_required`, so a maintainer without a second factor may push it. */
const yamlOf = (name: string, version: string, platform = "ruby") =>
  gemspecYaml({ name, version, platform }).replace("  rubygems_mfa_required: 'true'\n", "  x: 'y'\n");

describe.each(testDatabases())("gem pages on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof maintainer>>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await maintainer(t, "alice");
  });
  afterEach(async () => {
    await t.close();
  });

  const push = async (yaml: string, key = alice.token, otp?: string) => {
    const r = await t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      payload: await gemOf(yaml),
      headers: { "content-type": "application/octet-stream", authorization: key, ...(otp ? { otp } : {}) },
    });
    expect(r.statusCode, r.body).toBe(200);
  };
  const page = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
  const origin = () => t.deps.config.origin;
  /** The page's text with the HTML escapes undone, to find a snippet as the visitor copies it. */
  const unescaped = (html: string) =>
    html.replaceAll("&quot;", '"').replaceAll("&gt;", ">").replaceAll("&lt;", "<").replaceAll("&amp;", "&");

  it("shows versions with platforms, prerelease and yanked, dependencies, install lines for gem and a Gemfile, owners", async () => {
    await push(yamlOf("rake", "13.0.1"));
    await push(yamlOf("hello-rg", "0.9.0"));
    await push(yamlOf("hello-rg", "1.0.0"));
    await push(yamlOf("hello-rg", "1.0.0", "x86_64-linux"));
    await push(yamlOf("hello-rg", "1.1.0.pre.rc1"));
    const yank = await t.app.inject({
      method: "DELETE",
      url: "/rubygems/api/v1/gems/yank",
      payload: new URLSearchParams({ gem_name: "hello-rg", version: "0.9.0" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: alice.token },
    });
    expect(yank.statusCode, yank.body).toBe(200);

    const res = await page("/gems/hello-rg");
    expect(res.statusCode).toBe(200);
    const source = `${origin()}/rubygems/`;
    expect(res.body).toContain(`gem install hello-rg --clear-sources --source ${source}`);
    expect(unescaped(res.body)).toContain(`source "${source}" do\n  gem "hello-rg", "~> 1.0"\nend`);
    const version = (v: string) =>
      new RegExp(`<li data-version="${v.replace(/\./g, "\\.")}"[^>]*>(.*?)</li>`, "s");
    const v100 = version("1.0.0").exec(res.body)?.[1] ?? "";
    expect(v100).toContain('<span class="badge platform">ruby</span>');
    expect(v100).toContain('<span class="badge platform">x86_64-linux</span>');
    expect(v100).toContain("latest");
    expect(version("1.1.0.pre.rc1").exec(res.body)?.[1]).toContain("pre-release");
    expect(res.body).toMatch(/<li data-version="0\.9\.0" class="yanked">.*?yanked<\/span>/s);
    // Runtime and development dependencies with their requirements; a hosted one is linked.
    expect(res.body).toMatch(
      /id="runtime-dependencies".*?<li data-dependency="rake"><a href="\/gems\/rake">rake<\/a> <code>~> 13\.0, >= 13\.0\.1<\/code>/s,
    );
    expect(res.body).toMatch(
      /id="development-dependencies".*?<li data-dependency="rspec">rspec <code>>= 3<\/code>/s,
    );
    expect(res.body).toMatch(/id="maintainers".*?<a href="\/user\/alice\/">alice<\/a>/s);
    expect(res.body).toContain('href="/rubygems/gems/hello-rg-1.0.0-x86_64-linux.gem"');
    expect(res.body).toContain("<code>>= 2.7</code>");
    expect(res.body).not.toContain('id="gem-mfa-required"');
    // Anonymous visitors get no manage link; reporting asks them to sign in and come back here.
    expect(res.body).not.toContain("/manage/gems/");
    expect(res.body).toContain(`/account/login?next=${encodeURIComponent("/gems/hello-rg")}`);

    const pinned = await page("/gems/hello-rg/versions/1.1.0.pre.rc1");
    expect(pinned.statusCode).toBe(200);
    expect(pinned.body).toContain(
      `gem install hello-rg -v 1.1.0.pre.rc1 --pre --clear-sources --source ${source}`,
    );
    expect(unescaped(pinned.body)).toContain(`gem "hello-rg", "1.1.0.pre.rc1"`);
    expect(pinned.body).toContain("The latest version is");
    const yanked = await page("/gems/hello-rg/versions/0.9.0");
    expect(yanked.body).toContain('id="yanked-notice"');
    expect(yanked.body).not.toContain('href="/rubygems/gems/hello-rg-0.9.0.gem"');

    // One URL per gem: another spelling moves to the name as pushed; what does not exist is a 404.
    expect((await page("/gems/HELLO-RG")).headers.location).toBe("/gems/hello-rg");
    expect((await page("/gems/hello-rg/versions/9.9.9")).statusCode).toBe(404);
    expect((await page("/gems/-bad")).statusCode).toBe(404);
    expect((await page("/gems/nope")).statusCode).toBe(404);

    // Used by: hello-rg's newest live version needs rake at run time.
    const rake = await page("/gems/rake");
    expect(rake.body).toContain('Used by <a href="/gems/rake/dependents">1 project</a>');
    const dependents = await page("/gems/rake/dependents");
    expect(dependents.statusCode).toBe(200);
    expect(dependents.body).toContain('href="/gems/hello-rg"');
    // Links elsewhere lead to the gem page, not to a PyPI project of the same name.
    expect((await page("/search?q=hello")).body).toContain('href="/gems/hello-rg"');
  });

  it("gives owners the shared manage page at /manage/gems/<name>/, with gem yank instead of PyPI yanking", async () => {
    await push(yamlOf("hello-rg", "1.0.0"));
    const { cookie } = await startSession(t.deps, { ip: "127.0.0.1" }, alice.user, "password");
    const headers = { cookie: `${cookieNames(false).session}=${cookie}` };
    const gem = await page("/gems/hello-rg", headers);
    expect(gem.body).toContain('<a href="/manage/gems/hello-rg/">Manage gem</a>');
    const manage = await page("/manage/gems/hello-rg/", headers);
    expect(manage.statusCode).toBe(200);
    expect(manage.body).toContain('action="/manage/gems/hello-rg/invite"');
    expect(manage.body).toContain('action="/manage/gems/hello-rg/settings"');
    expect(manage.body).toContain('id="security-history"');
    expect(manage.body).toContain("gem yank hello-rg -v &lt;version>");
    expect(manage.body).not.toContain("/yank");
    expect((await page("/manage/gems/Hello-RG/", headers)).headers.location).toBe("/manage/gems/hello-rg/");
    expect((await page("/manage/gems/nope/", headers)).statusCode).toBe(404);
    const projects = await page("/account/projects", headers);
    expect(projects.body).toContain('<a href="/gems/hello-rg">hello-rg</a>');
    expect(projects.body).toContain('<a href="/manage/gems/hello-rg/">Manage</a>');
    // Someone without a role is refused the manage page.
    const bob = await maintainer(t, "bob");
    const other = await startSession(t.deps, { ip: "127.0.0.1" }, bob.user, "password");
    const refused = await page("/manage/gems/hello-rg/", {
      cookie: `${cookieNames(false).session}=${other.cookie}`,
    });
    expect(refused.statusCode).toBe(403);
  });

  it("shows rubygems_mfa_required of the newest version as part of the gem's MFA posture", async () => {
    const web = await signedUp(t, "carol");
    const { secret } = await enrollTotp(t, web);
    const user = await t.deps.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "carol")
      .executeTakeFirstOrThrow();
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: t.clock.now() })
      .where("id", "=", user.id)
      .execute();
    const key = await tokenFor(t, user.id, null);
    t.clock.advance(30_000);
    await push(
      gemspecYaml({ name: "strict-rg", version: "1.0.0", platform: "ruby" }),
      key,
      codeAt(secret, t.clock.now()),
    );
    const res = await page("/gems/strict-rg");
    expect(res.body).toContain('id="gem-mfa-required"');
    expect(res.body).toContain("1 of 1 maintainer uses two-factor authentication");
  });
});
