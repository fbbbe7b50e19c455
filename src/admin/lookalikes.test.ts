import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, maintainer, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { publish } from "../web/test-fixtures.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("console: look-alike allowances on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-admin-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("allows one exact look-alike name from the names page, audited, and revokes it", async () => {
    const { web } = await signedInAdmin(t);
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "djangorestframework", "1.0")).statusCode).toBe(200);
    expect((await publish(t, dir, alice.token, "django-rest-framework", "1.0")).statusCode).toBe(403);

    await web.get("/admin/projects/prohibited");
    const res = await web.post("/admin/projects/lookalikes", {
      ecosystem: "pypi",
      name: "Django_Rest_Framework",
      reason: "historic pair from the old index",
    });
    expect(res.statusCode).toBe(303);
    const page = await web.get("/admin/projects/prohibited");
    expect(page.body).toContain(
      "pypi project 'django-rest-framework' can be created despite its look-alike.",
    );
    expect(page.body).toContain('data-lookalike="pypi/django-rest-framework"');

    const twice = await web.post("/admin/projects/lookalikes", {
      ecosystem: "pypi",
      name: "django-rest-framework",
      reason: "again, by mistake",
    });
    expect(twice.statusCode).toBe(409);
    expect(textOf(twice.body, "lookalike-name-error")).toBe(
      "This name is already allowed despite its look-alike.",
    );

    await web.post("/admin/projects/lookalikes/revoke", {
      ecosystem: "pypi",
      name: "django-rest-framework",
      reason: "migration finished",
    });
    expect((await publish(t, dir, alice.token, "django-rest-framework", "1.0")).statusCode).toBe(403);
    const gone = await web.post("/admin/projects/lookalikes/revoke", {
      ecosystem: "pypi",
      name: "django-rest-framework",
      reason: "migration finished",
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain("This name is not allowed as a look-alike.");
    expect((await auditRows(t)).map((r) => [r.action, r.target, r.reason])).toEqual([
      ["name.allow-lookalike", "pypi/django-rest-framework", "historic pair from the old index"],
      ["name.revoke-lookalike", "pypi/django-rest-framework", "migration finished"],
    ]);
  });
});
