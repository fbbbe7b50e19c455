import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ecosystemFor } from "../ecosystems/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import {
  type Ecosystem,
  insertProject,
  insertRelease,
  latestRelease,
  loadProjectView,
  setYanked,
} from "./index.js";

describe.each(testDatabases())("the project view on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  async function project(ecosystem: Ecosystem, name: string, versions: string[]) {
    const eco = ecosystemFor(ecosystem);
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem,
      name,
      normalizedName: eco.normalizeName(name),
      ultranormalizedName: eco.lookalikeKey(name),
    });
    const ids: Record<string, string> = {};
    for (const version of versions) {
      t.clock.advance(1000); // insertion order is not version order
      const r = await insertRelease(t.deps.db, t.clock.now(), {
        projectId: p.id,
        version,
        canonicalVersion: eco.canonicalVersion(version),
        requiresPython: null,
        summary: null,
        description: null,
        descriptionContentType: null,
        metadata: {},
      });
      ids[version] = r.id;
    }
    return ids;
  }

  it("orders an npm package's releases by SemVer, not as text or PEP 440", async () => {
    await project("npm", "@s/pkg", ["1.0.0", "1.0.0-beta.11", "0.10.0", "1.0.0-beta.2", "0.9.0"]);
    const v = await loadProjectView(t.deps.db, "npm", "@s/pkg");
    expect(v?.releases.map((r) => r.version)).toEqual([
      "0.9.0",
      "0.10.0",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0",
    ]);
    expect(latestRelease(v!)?.version).toBe("1.0.0");
  });

  it("orders a PyPI project's releases by PEP 440 and finds it by any spelling's normal form", async () => {
    await project("pypi", "My_Pkg", ["1.0", "1.0.post1", "1.0rc1", "0.9"]);
    const v = await loadProjectView(t.deps.db, "pypi", "my-pkg");
    expect(v?.releases.map((r) => r.version)).toEqual(["0.9", "1.0rc1", "1.0", "1.0.post1"]);
    expect(await loadProjectView(t.deps.db, "npm", "my-pkg")).toBeNull();
  });

  it("takes as latest the newest live final release, else the newest live one, else the newest", async () => {
    const ids = await project("npm", "lat", ["1.0.0", "1.1.0", "2.0.0-rc.1"]);
    const latest = async () => latestRelease((await loadProjectView(t.deps.db, "npm", "lat"))!)?.version;
    expect(await latest()).toBe("1.1.0");
    await setYanked(t.deps.db, t.clock.now(), ids["1.1.0"]!, null, true);
    await setYanked(t.deps.db, t.clock.now(), ids["1.0.0"]!, null, true);
    expect(await latest()).toBe("2.0.0-rc.1");
    await setYanked(t.deps.db, t.clock.now(), ids["2.0.0-rc.1"]!, null, true);
    expect(await latest()).toBe("2.0.0-rc.1");
  });
});
