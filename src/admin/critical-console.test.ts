import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTestApp,
  type FormClient,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { quickProject, quickUser } from "../test-support/stats.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("critical projects in the console (%s)", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    ({ web } = await signedInAdmin(t));
    const now = t.clock.now();
    const ids = [
      await quickUser(t.deps.db, now, { username: "app", mfa: "totp" }),
      await quickUser(t.deps.db, now, { username: "key", mfa: "both" }),
      await quickUser(t.deps.db, now, { username: "none" }),
    ];
    await quickProject(t.deps.db, now, "pypi", "Requests_Lib", ids);
    await quickProject(t.deps.db, now, "npm", "leftpad", ids.slice(0, 1));
    const auto = await quickProject(t.deps.db, now, "pypi", "numpy", ids.slice(1));
    await t.deps.db
      .updateTable("projects")
      .set({ critical_since: now - 86_400_000 })
      .where("id", "=", auto)
      .execute();
  });
  afterEach(() => t.close());

  const row = (html: string, project: string) => {
    const start = html.indexOf(`data-project="${project}"`);
    return start < 0 ? null : html.slice(start, html.indexOf("</tr>", start));
  };

  it("lists critical projects with how they became critical and their maintainers' keys", async () => {
    const res = await web.get("/admin/critical");
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body, "critical-count")).toBe("1 project");
    const numpy = row(res.body, "pypi/numpy")!;
    expect(numpy).toContain("by downloads");
    expect(numpy).toContain('data-compliant="1/2"');
    expect(numpy).toContain("1 with any second factor");
    expect(row(res.body, "pypi/requests-lib")).toBeNull();
  });

  it("designates a project with a reason: recorded, maintainers mailed, audited", async () => {
    const before = (await t.outbox()).length;
    const res = await web.post("/admin/critical/designate", {
      ecosystem: "pypi",
      name: "requests_lib",
      reason: "Used by the build system",
    });
    expect(res.statusCode).toBe(303);
    const page = await web.get("/admin/critical");
    expect(page.body).toContain("Requests_Lib is now critical (3 maintainers told)");
    const r = row(page.body, "pypi/requests-lib")!;
    expect(r).toContain("designated by an admin");
    expect(r).toContain("Used by the build system");
    expect(r).toContain('data-compliant="1/3"');
    expect((await t.outbox()).length - before).toBe(3);
    const audit = await auditRows(t);
    expect(audit.map((a) => [a.action, a.target, a.reason, a.actor_name])).toEqual([
      ["critical.designate", "pypi/Requests_Lib", "Used by the build system", "root"],
    ]);
    expect(audit[0]!.data).toEqual({ maintainers: 3 });

    // Again: nothing changes, nothing is audited.
    await web.post("/admin/critical/designate", {
      ecosystem: "pypi",
      name: "requests-lib",
      reason: "Again, why not",
    });
    expect((await web.get("/admin/critical")).body).toContain("was already designated critical");
    expect(await auditRows(t)).toHaveLength(1);
  });

  it("shows errors beside the designation form's fields, and refuses unknown projects", async () => {
    const noReason = await web.post("/admin/critical/designate", {
      ecosystem: "pypi",
      name: "numpy",
      reason: " ",
    });
    expect(noReason.statusCode).toBe(400);
    expect(textOf(noReason.body, "reason-error")).toContain("Give a reason");
    const unknown = await web.post("/admin/critical/designate", {
      ecosystem: "pypi",
      name: "nope",
      reason: "Important",
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("No pypi project named");
    expect(unknown.body).toContain('value="nope"');
    const eco = await web.post("/admin/critical/designate", {
      ecosystem: "cargo",
      name: "serde",
      reason: "Important",
    });
    expect(eco.statusCode).toBe(400);
    expect(await auditRows(t)).toEqual([]);
  });

  it("removes a designation with a reason as an exclusion, which can be designated again", async () => {
    await web.get("/admin/critical");
    const refused = await web.post("/admin/critical/remove", {
      ecosystem: "pypi",
      name: "numpy",
      reason: "",
    });
    expect(refused.statusCode).toBe(303);
    expect((await web.get("/admin/critical")).body).toContain("Give a reason");
    await web.post("/admin/critical/remove", {
      ecosystem: "pypi",
      name: "numpy",
      reason: "A mirror, not a project",
    });
    const page = await web.get("/admin/critical");
    const r = row(page.body, "pypi/numpy")!;
    expect(r).toContain("excluded by an admin");
    expect(r).toContain("A mirror, not a project");
    expect(r).toContain('action="/admin/critical/designate"');
    const p = await t.deps.db
      .selectFrom("projects")
      .select(["critical_since", "critical_manual"])
      .where("normalized_name", "=", "numpy")
      .executeTakeFirstOrThrow();
    expect(p).toEqual({ critical_since: null, critical_manual: -1 });
    expect((await auditRows(t)).map((a) => [a.action, a.target])).toEqual([
      ["critical.remove", "pypi/numpy"],
    ]);
    // Filters narrow the list.
    expect(row((await web.get("/admin/critical?ecosystem=npm")).body, "pypi/numpy")).toBeNull();
    expect(row((await web.get("/admin/critical?q=num")).body, "pypi/numpy")).not.toBeNull();
  });
});
