import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcileAndReport } from "../housekeeping/index.js";
import { blobKeyFor, insertFile, insertProject, insertRelease } from "../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("console: storage status on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("the dashboard shows the last reconcile and the files whose blob is missing", async () => {
    const { web } = await signedInAdmin(t);
    expect((await web.get("/admin/")).body).toContain("No blob reconcile has run yet");
    const now = t.clock.now();
    const project = await insertProject(t.deps.db, now, {
      ecosystem: "pypi",
      name: "lost",
      normalizedName: "lost",
      ultranormalizedName: "lost",
    });
    const release = await insertRelease(t.deps.db, now, {
      projectId: project.id,
      version: "1.0",
      canonicalVersion: "1",
      requiresPython: null,
      summary: null,
      description: null,
      descriptionContentType: null,
      metadata: {},
    });
    const sha = "ab".repeat(32);
    // A row whose blob never reached the store (or was lost with a disk).
    await insertFile(t.deps.db, now, {
      projectId: project.id,
      releaseId: release.id,
      filename: "lost-1.0.tar.gz",
      packagetype: "sdist",
      pythonVersion: "source",
      requiresPython: null,
      size: 1,
      sha256: sha,
      blake2b256: sha,
      md5: sha.slice(0, 32),
      blobKey: blobKeyFor("pypi", sha, "lost-1.0.tar.gz"),
      metadataSha256: null,
      metadataBlobKey: null,
      uploadedBy: null,
    });
    await reconcileAndReport(t.deps);
    const page = await web.get("/admin/");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-reconcile="complete"');
    expect(page.body).toContain(`data-missing="${blobKeyFor("pypi", sha, "lost-1.0.tar.gz")}"`);
    expect(page.body).toContain("lost-1.0.tar.gz");
  });
});
