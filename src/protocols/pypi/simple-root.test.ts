import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertProject } from "../../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { SimpleRoot } from "./simple-root.js";

describe.each(testDatabases())("the /simple/ root, maintained project by project, on %s", (kind) => {
  let t: TestApp;
  let root: SimpleRoot;
  beforeEach(async () => {
    t = await createTestApp(kind);
    root = new SimpleRoot(t.deps, (entries) => ({
      text: entries.map((e) => `${e.normalizedName}=${e.name}`).join(","),
      contentType: "text/plain",
    }));
  });
  afterEach(() => t.close());

  const add = async (name: string, ecosystem: "pypi" | "npm" = "pypi") => {
    const normalizedName = name.toLowerCase().replace(/[-_.]+/g, "-");
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem,
      name,
      normalizedName,
      ultranormalizedName: normalizedName.replace(/-/g, ""),
    });
    await t.deps.changes.publish(p.id);
    return p;
  };
  const listing = async (fmt: "json" | "html" = "html") => (await root.get(fmt)).body.toString("utf8");
  const hide = async (id: string, quarantined: boolean) => {
    await t.deps.db
      .updateTable("projects")
      .set({ quarantined_at: quarantined ? t.clock.now() : null })
      .where("id", "=", id)
      .execute();
    await t.deps.changes.publish(id);
  };

  it("adds, renames and removes single entries in name order without reading every project again", async () => {
    await add("Mid_Pkg");
    await add("zeta");
    expect(await listing()).toBe("mid-pkg=Mid_Pkg,zeta=zeta");
    expect(root.loads).toBe(1);

    const alpha = await add("Alpha");
    await add("mid-pkg-2");
    await add("left-pad", "npm"); // another ecosystem: not listed
    expect(await listing()).toBe("alpha=Alpha,mid-pkg=Mid_Pkg,mid-pkg-2=mid-pkg-2,zeta=zeta");

    await hide(alpha.id, true);
    expect(await listing()).toBe("mid-pkg=Mid_Pkg,mid-pkg-2=mid-pkg-2,zeta=zeta");
    await hide(alpha.id, false);
    expect(await listing()).toBe("alpha=Alpha,mid-pkg=Mid_Pkg,mid-pkg-2=mid-pkg-2,zeta=zeta");

    await t.deps.db.updateTable("projects").set({ name: "ALPHA" }).where("id", "=", alpha.id).execute();
    await t.deps.changes.publish(alpha.id);
    expect(await listing()).toBe("alpha=ALPHA,mid-pkg=Mid_Pkg,mid-pkg-2=mid-pkg-2,zeta=zeta");

    await t.deps.db.deleteFrom("projects").where("id", "=", alpha.id).execute();
    await t.deps.changes.publish(alpha.id);
    expect(await listing()).toBe("mid-pkg=Mid_Pkg,mid-pkg-2=mid-pkg-2,zeta=zeta");
    expect(root.loads).toBe(1);
  });

  it("keeps its rendering (same bytes, same object) when a change leaves the listing as it was", async () => {
    const p = await add("steady");
    const first = await root.get("json");
    await t.deps.changes.publish(p.id); // e.g. a new release of a listed project
    expect(await root.get("json")).toBe(first);
    expect(gunzipSync(first.gzip).equals(first.body)).toBe(true);
    expect(first.etag).toMatch(/^"[\w-]{27}"$/);
  });

  it("reloads everything after '*' (messages may have been missed)", async () => {
    await add("one");
    expect(await listing()).toBe("one=one");
    // Written behind the feed's back, then the feed says "everything may have changed".
    await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "two",
      normalizedName: "two",
      ultranormalizedName: "two",
    });
    expect(await listing()).toBe("one=one");
    (t.deps.changes as unknown as { emit(id: string): void }).emit("*");
    expect(await listing()).toBe("one=one,two=two");
    expect(root.loads).toBe(2);
  });
});

describe("the /simple/ root over HTTP", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp("sqlite");
  });
  afterEach(() => t.close());

  it("lists a project created after the first request, in both formats", async () => {
    const before = await t.app.inject({
      url: "/simple/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    expect(before.json().projects).toEqual([]);
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "New_Thing",
      normalizedName: "new-thing",
      ultranormalizedName: "newthing",
    });
    await t.deps.changes.publish(p.id);
    const json = await t.app.inject({
      url: "/simple/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    expect(json.json().projects).toEqual([{ name: "New_Thing" }]);
    const html = await t.app.inject({ url: "/simple/" });
    expect(html.body).toContain('<a href="/simple/new-thing/">New_Thing</a><br />');
    expect(html.headers["content-type"]).toBe("text/html; charset=utf-8");
  });
});
