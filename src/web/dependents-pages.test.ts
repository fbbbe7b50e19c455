import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quarantineProject } from "../admin/index.js";
import { transaction } from "../db/index.js";
import { recomputeDependents } from "../dependents/index.js";
import { insertRelease } from "../packages/index.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { quickProject } from "../test-support/stats.js";
import { DEPENDENTS_PAGE_SIZE } from "./routes/dependents.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

const operator = { id: "admin-1", name: "root", ip: "127.0.0.1" };
/** The names listed on a dependents page, in order. */
const listed = (html: string) =>
  [
    ...(/<ul class="plain project-list" id="dependents">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? "").matchAll(
      /<a href="[^"]*">([^<]+)<\/a>/g,
    ),
  ].map((m) => m[1]);

describe.each(testDatabases())("dependents on project pages (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-dependents-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a PyPI project page says 'Used by N projects' and links to its dependents, a page that lists them", async () => {
    const { user } = await signedInUser(t, "alice");
    const token = await accountToken(t, user.id);
    const up = async (name: string, requires: string[] = []) =>
      expect(
        (
          await publish(t, dir, token, name, "1.0", {
            extra: requires.map((r) => `Requires-Dist: ${r}`).join("\n"),
          })
        ).statusCode,
      ).toBe(200);
    await up("Core_Lib");
    await up("web-app", ["core-lib>=1.0"]);
    await up("cli-tool", ['Core.Lib; python_version >= "3.8"']);
    await up("docs-kit", ["core-lib; extra == 'docs'"]); // only with an extra: not a dependent
    await up("lonely");

    const page = await t.app.inject({ url: "/project/core-lib/" });
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body, "used-by-text")).toBe("Used by 2 projects");
    expect(page.body).toContain('<a href="/project/core-lib/dependents/">2 projects</a>');
    const none = await t.app.inject({ url: "/project/lonely/" });
    expect(textOf(none.body, "used-by-text")).toBe("No project here depends on it.");
    // The PyPI JSON API keeps PyPI's shape: no dependents key (the Wharf API has them).
    expect(
      Object.keys(JSON.parse((await t.app.inject({ url: "/pypi/core-lib/json" })).body).info),
    ).not.toContain("dependents");

    const list = await t.app.inject({ url: "/project/core-lib/dependents/" });
    expect(list.statusCode).toBe(200);
    expect(listed(list.body)).toEqual(["cli-tool", "web-app"]);
    expect(list.body).toContain('<a href="/project/web-app/">web-app</a>');
    expect(list.body).toContain("2 projects depend on Core_Lib.");
    expect(list.body).toContain('href="/api/projects/pypi/Core_Lib/dependents"');
    for (const [url, to] of [
      ["/project/Core_Lib/dependents/", "/project/core-lib/dependents/"],
      ["/project/core-lib/dependents", "/project/core-lib/dependents/"],
    ]) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(301);
      expect(r.headers.location).toBe(to);
    }
    expect((await t.app.inject({ url: "/project/no-such/dependents/" })).statusCode).toBe(404);
    const empty = await t.app.inject({ url: "/project/lonely/dependents/" });
    expect(empty.body).toContain("No project here depends on lonely.");

    // A quarantined dependent is not listed; a quarantined project's own dependents page is gone.
    await quarantineProject(t.deps, operator, "pypi", "web-app", "reported");
    expect(listed((await t.app.inject({ url: "/project/core-lib/dependents/" })).body)).toEqual(["cli-tool"]);
    await quarantineProject(t.deps, operator, "pypi", "core-lib", "reported");
    expect((await t.app.inject({ url: "/project/core-lib/dependents/" })).statusCode).toBe(404);
  });

  it("pages through many dependents, by name", async () => {
    await quickProject(t.deps.db, t.clock.now(), "pypi", "popular");
    const names = Array.from(
      { length: DEPENDENTS_PAGE_SIZE + 3 },
      (_, i) => `dep-${String(i).padStart(3, "0")}`,
    );
    for (const n of names) {
      const id = await quickProject(t.deps.db, t.clock.now(), "pypi", n);
      await insertRelease(t.deps.db, t.clock.now(), {
        projectId: id,
        version: "1.0",
        canonicalVersion: "1.0",
        requiresPython: null,
        summary: null,
        description: null,
        descriptionContentType: null,
        metadata: { requiresDist: ["popular"] },
      });
    }
    await transaction(t.deps.db, (tx) => recomputeDependents(tx, "pypi"));
    const first = await t.app.inject({ url: "/project/popular/dependents/" });
    expect(listed(first.body)).toEqual(names.slice(0, DEPENDENTS_PAGE_SIZE));
    expect(first.body).toContain('<a rel="next" href="/project/popular/dependents/?page=2">');
    const second = await t.app.inject({ url: "/project/popular/dependents/?page=2" });
    expect(listed(second.body)).toEqual(names.slice(DEPENDENTS_PAGE_SIZE));
    expect(second.body).toContain('<a rel="prev" href="/project/popular/dependents/">');
    expect(second.body).not.toContain('rel="next"');
    expect(textOf((await t.app.inject({ url: "/project/popular/" })).body, "used-by-text")).toBe(
      `Used by ${names.length} projects`,
    );
  });

  it("an npm package page (scoped or not) says 'Used by N projects'; /package/<name>/dependents lists them", async () => {
    const { auth } = await npmUser(t, "carol");
    const put = async (name: string, manifest: Record<string, unknown> = {}) => {
      const r = await t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        payload: JSON.stringify(await publishBody(name, "1.0.0", { extraManifest: manifest })),
        headers: { ...auth, "content-type": "application/json" },
      });
      expect(r.statusCode, r.body).toBe(201);
    };
    await put("@acme/core");
    await put("zeta", { dependencies: { "@acme/core": "^1" } });
    await put("@acme/alpha", { peerDependencies: { "@acme/core": "^1" } });
    await put("mid", { optionalDependencies: { "@acme/core": "^1" } });
    await put("dev-only", { devDependencies: { "@acme/core": "^1" } });

    const page = await t.app.inject({ url: "/package/@acme/core" });
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body, "used-by-text")).toBe("Used by 3 projects");
    expect(page.body).toContain('<a href="/package/@acme/core/dependents">3 projects</a>');
    const list = await t.app.inject({ url: "/package/@acme/core/dependents" });
    expect(list.statusCode).toBe(200);
    expect(listed(list.body)).toEqual(["@acme/alpha", "mid", "zeta"]);
    expect(list.body).toContain('<a href="/package/@acme/alpha">@acme/alpha</a>');
    const encoded = await t.app.inject({ url: "/package/@acme%2fcore/dependents" });
    expect(encoded.statusCode).toBe(301);
    expect(encoded.headers.location).toBe("/package/@acme/core/dependents");
    expect(textOf((await t.app.inject({ url: "/package/zeta" })).body, "used-by-text")).toBe(
      "No project here depends on it.",
    );
    expect((await t.app.inject({ url: "/package/nope/dependents" })).statusCode).toBe(404);
    expect((await t.app.inject({ url: "/package/zeta/dependents/more" })).statusCode).toBe(404);
  });
});
