import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listProjectEvents } from "../events/index.js";
import { addRole, insertProject } from "../packages/index.js";
import { escaped, npmUser, publishBody, stored } from "../protocols/npm/test-fixtures.js";
import { createTestApp, maintainer, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { publish } from "../web/test-fixtures.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

const MB = 1024 * 1024;

describe.each(testDatabases())("console: projects and prohibited names on %s", (kind) => {
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

  const project = (ecosystem: "pypi" | "npm", name: string, normalizedName = name) =>
    insertProject(t.deps.db, t.clock.now(), {
      ecosystem,
      name,
      normalizedName,
      ultranormalizedName: normalizedName.replace(/[-_.]/g, ""),
    });
  const limitOf = async (id: string) =>
    (
      await t.deps.db
        .selectFrom("projects")
        .select("upload_limit_bytes")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).upload_limit_bytes;
  const npmPut = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });

  it("lists every project by name when the search box is empty (the console's own link)", async () => {
    const { web } = await signedInAdmin(t);
    await project("pypi", "zeta");
    await project("npm", "alpha");
    const res = await web.get("/admin/projects");
    expect(res.statusCode).toBe(200);
    expect([...res.body.matchAll(/data-project="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "npm/alpha",
      "pypi/zeta",
    ]);
  });

  it("searches both ecosystems or one, marking critical projects", async () => {
    const { web } = await signedInAdmin(t);
    const hot = await project("pypi", "Tool-Kit", "tool-kit");
    await t.deps.db
      .updateTable("projects")
      .set({ critical_since: t.clock.now() })
      .where("id", "=", hot.id)
      .execute();
    await project("npm", "toolbox");
    await project("npm", "@acme/tool");
    await project("pypi", "unrelated");
    const rows = (body: string) => [...body.matchAll(/data-project="([^"]+)"/g)].map((m) => m[1]);
    const both = await web.get("/admin/projects?q=tool");
    expect(rows(both.body)).toEqual(["pypi/tool-kit", "npm/toolbox", "npm/@acme/tool"]);
    expect(both.body).toMatch(/data-project="pypi\/tool-kit">.*?critical/s);
    expect(rows((await web.get("/admin/projects?q=tool&ecosystem=npm")).body)).toEqual([
      "npm/toolbox",
      "npm/@acme/tool",
    ]);
    expect(both.body).toContain('href="/admin/projects/npm/%40acme%2Ftool"');
  });

  it("shows a project with its owners, criticality and limit; scoped npm names work in the URL", async () => {
    const { web } = await signedInAdmin(t);
    const { user } = await npmUser(t, "alice");
    const p = await project("npm", "@acme/tool");
    await addRole(t.deps.db, t.clock.now(), p.id, user.id, "owner");
    const page = await web.get("/admin/projects/npm/%40acme%2Ftool");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-member="alice"');
    expect(textOf(page.body, "critical")).toBe("no");
    expect(textOf(page.body, "upload-limit-now")).toBe("registry default (100 MB)");
    expect((await web.get("/admin/projects/npm/nothing-here")).statusCode).toBe(404);
    expect((await web.get("/admin/projects/cargo/serde")).statusCode).toBe(404);
  });

  it("sets an upload limit in MB within bounds, back to the default when blank, audited", async () => {
    const { web } = await signedInAdmin(t);
    const p = await project("pypi", "Big_Data", "big-data");
    const url = "/admin/projects/pypi/Big.Data/upload-limit";
    await web.get("/admin/projects/pypi/big-data");
    const res = await web.post(url, { limit_mb: "500", reason: "ships CUDA wheels" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/projects/pypi/Big_Data");
    expect(await limitOf(p.id)).toBe(500 * MB);
    expect((await web.get(res.headers.location as string)).body).toContain("accepts files up to 500 MB");

    for (const [limit, status] of [
      ["0", 400],
      ["4097", 400],
      ["1e3", 400],
      ["-5", 400],
      ["500", 409],
    ] as const) {
      const bad = await web.post(url, { limit_mb: limit, reason: "ships CUDA wheels" });
      expect(bad.statusCode).toBe(status);
      expect(textOf(bad.body, "limit_mb-error")).toBeTruthy();
      expect(bad.body).toContain(`value="${limit}"`);
    }
    const noReason = await web.post(url, { limit_mb: "600", reason: "" });
    expect(noReason.statusCode).toBe(400);
    expect(textOf(noReason.body, "upload-limit-reason-error")).toContain("Give a reason");
    expect(await limitOf(p.id)).toBe(500 * MB);

    expect((await web.post(url, { limit_mb: " ", reason: "back to normal" })).statusCode).toBe(303);
    expect(await limitOf(p.id)).toBeNull();
    expect((await auditRows(t)).map((r) => [r.action, r.target, r.data])).toEqual([
      ["project.upload_limit", "pypi/Big_Data", { fromBytes: null, toBytes: 500 * MB }],
      ["project.upload_limit", "pypi/Big_Data", { fromBytes: 500 * MB, toBytes: null }],
    ]);
    // The owners see both changes, with the reason, in the project's history.
    const history = await listProjectEvents(t.deps.db, p.id);
    expect(
      history
        .filter((e) => e.type === "project.upload_limit_changed")
        .map((e) => [e.data.toBytes, e.data.reason]),
    ).toEqual([
      [null, "back to normal"],
      [500 * MB, "ships CUDA wheels"],
    ]);
  });

  it("lets an npm limit only go down: npm's request size is fixed by the registry default", async () => {
    const { web } = await signedInAdmin(t);
    await project("npm", "left-pad");
    await web.get("/admin/projects/npm/left-pad");
    const over = await web.post("/admin/projects/npm/left-pad/upload-limit", {
      limit_mb: "101",
      reason: "big package",
    });
    expect(over.statusCode).toBe(400);
    expect(textOf(over.body, "limit_mb-error")).toContain("1 to 100 MB");
    const ok = await web.post("/admin/projects/npm/left-pad/upload-limit", {
      limit_mb: "5",
      reason: "tiny one",
    });
    expect(ok.statusCode).toBe(303);
  });

  it("prohibits a PyPI name as PEP 503 compares it: creation is refused, the existing project goes on", async () => {
    const { web } = await signedInAdmin(t);
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "requests", "1.0")).statusCode).toBe(200);

    await web.get("/admin/projects/prohibited?ecosystem=pypi&name=Evil_Pkg");
    const res = await web.post("/admin/projects/prohibited", {
      ecosystem: "pypi",
      name: "Evil_Pkg",
      reason: "typosquat of evil-package",
    });
    expect(res.statusCode).toBe(303);
    const list = await web.get("/admin/projects/prohibited");
    expect(list.body).toContain("Nobody can create pypi project 'evil-pkg' any more.");
    expect(list.body).toContain('data-name="pypi/evil-pkg"');

    const before = await stored(t);
    const refused = await publish(t, dir, await (await maintainer(t, "eve")).token, "EVIL.pkg", "1.0");
    expect(refused.statusCode).toBe(400);
    expect(refused.statusMessage).toBe("The name 'EVIL.pkg' is not allowed on this registry.");
    expect(await stored(t)).toEqual(before);

    // Prohibiting a name in use: the project keeps working, and the admin is told so.
    await web.post("/admin/projects/prohibited", {
      ecosystem: "pypi",
      name: "Requests",
      reason: "reserved now",
    });
    expect((await web.get("/admin/projects/prohibited")).body).toContain(
      "The existing project with this name keeps it.",
    );
    expect((await publish(t, dir, alice.token, "requests", "1.1")).statusCode).toBe(200);

    const twice = await web.post("/admin/projects/prohibited", {
      ecosystem: "pypi",
      name: "evil.pkg",
      reason: "typosquat again",
    });
    expect(twice.statusCode).toBe(409);
    expect(textOf(twice.body, "prohibit-name-error")).toBe("This name is already prohibited.");
    const invalid = await web.post("/admin/projects/prohibited", {
      ecosystem: "pypi",
      name: "not a name!",
      reason: "whatever reason",
    });
    expect(invalid.statusCode).toBe(400);
    expect(textOf(invalid.body, "prohibit-name-error")).toContain("Invalid project name");
    expect(
      (await web.post("/admin/projects/prohibited", { ecosystem: "cargo", name: "x", reason: "why not" }))
        .statusCode,
    ).toBe(400);

    await web.post("/admin/projects/prohibited/allow", {
      ecosystem: "pypi",
      name: "evil-pkg",
      reason: "mistake",
    });
    expect((await publish(t, dir, (await maintainer(t, "eve2")).token, "evil.pkg", "1.0")).statusCode).toBe(
      200,
    );
    expect((await auditRows(t)).map((r) => [r.action, r.target, r.data])).toEqual([
      ["name.prohibit", "pypi/evil-pkg", { projectExists: false }],
      ["name.prohibit", "pypi/requests", { projectExists: true }],
      ["name.allow", "pypi/evil-pkg", {}],
    ]);
    const gone = await web.post("/admin/projects/prohibited/allow", {
      ecosystem: "pypi",
      name: "evil-pkg",
      reason: "mistake again",
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain("This name is not prohibited.");
  });

  it("prohibits an npm name in lower case and refuses to publish it", async () => {
    const { web } = await signedInAdmin(t);
    const { auth } = await npmUser(t, "bob");
    await web.get("/admin/projects/prohibited");
    const res = await web.post("/admin/projects/prohibited", {
      ecosystem: "npm",
      name: "Left-Pad",
      reason: "history",
    });
    expect(res.statusCode).toBe(303);
    const before = await stored(t);
    const refused = await npmPut("left-pad", await publishBody("left-pad", "1.0.0"), auth);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toBe("The name 'left-pad' is not allowed on this registry.");
    expect(await stored(t)).toEqual(before);
    // The prohibition is npm's: PyPI's left-pad is another name.
    expect((await publish(t, dir, (await maintainer(t, "py")).token, "left-pad", "1.0")).statusCode).toBe(
      200,
    );
    const core = await web.post("/admin/projects/prohibited", {
      ecosystem: "npm",
      name: "@Scope",
      reason: "history",
    });
    expect(core.statusCode).toBe(400);
  });
});
