import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetProtectedNames } from "../packages/index.js";
import { fileReport } from "../reports/index.js";
import { createTestApp, maintainer, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { publish } from "../web/test-fixtures.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("console: the quarantine queue on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind, { typosquatAction: "hold" });
    dir = mkdtempSync(join(tmpdir(), "wharf-queue-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function heldLookalike() {
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "requests", "1.0")).statusCode).toBe(200);
    await t.deps.db.updateTable("projects").set({ critical_since: t.clock.now() }).execute();
    forgetProtectedNames(t.deps.db);
    const mallory = await maintainer(t, "mallory");
    expect((await publish(t, dir, mallory.token, "reqeusts", "1.0")).statusCode).toBe(200);
    return { alice, mallory };
  }

  it("lists a held look-alike with the project it imitates; release needs a reason and can allow the name", async () => {
    const { web } = await signedInAdmin(t);
    await heldLookalike();
    const page = await web.get("/admin/quarantine");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-queue="pypi/reqeusts"');
    expect(page.body).toContain('data-kind="typosquat"');
    expect(page.body).toContain('href="/admin/projects/pypi/requests"');
    expect(page.body).toContain("Also allow this look-alike name");
    expect(page.body).toContain('aria-current="page"');

    const noReason = await web.post("/admin/quarantine/release", {
      ecosystem: "pypi",
      name: "reqeusts",
      reason: "",
    });
    expect(noReason.statusCode).toBe(400);
    expect(textOf(noReason.body, "release-0-reason-error")).toContain("Give a reason");
    expect((await t.app.inject({ method: "GET", url: "/simple/reqeusts/" })).statusCode).toBe(404);

    const released = await web.post("/admin/quarantine/release", {
      ecosystem: "pypi",
      name: "reqeusts",
      reason: "a known fork, checked",
      allow_lookalike: "1",
    });
    expect(released.statusCode).toBe(303);
    expect((await web.get("/admin/quarantine")).body).toContain("Nothing waits for review.");
    expect((await t.app.inject({ method: "GET", url: "/simple/reqeusts/" })).statusCode).toBe(200);
    const allowed = await t.deps.db.selectFrom("lookalike_allowances").select("normalized_name").execute();
    expect(allowed.map((a) => a.normalized_name)).toEqual(["reqeusts"]);
    expect((await auditRows(t)).map((r) => [r.action, r.target, r.reason, r.actor_name])).toEqual([
      ["name.allow-lookalike", "pypi/reqeusts", "a known fork, checked", "root"],
      ["project.release", "pypi/reqeusts", "a known fork, checked", "root"],
    ]);
  });

  it("rejects a held look-alike: it stays hidden, its owner still refused, the name still taken", async () => {
    const { web } = await signedInAdmin(t);
    const { alice } = await heldLookalike();
    const res = await web.post("/admin/quarantine/reject", {
      ecosystem: "pypi",
      name: "reqeusts",
      reason: "steals credentials",
    });
    expect(res.statusCode).toBe(303);
    expect((await t.app.inject({ method: "GET", url: "/simple/reqeusts/" })).statusCode).toBe(404);
    expect((await publish(t, dir, alice.token, "reqeusts", "2.0")).statusCode).toBe(403);
    const again = await web.post("/admin/quarantine/reject", {
      ecosystem: "pypi",
      name: "reqeusts",
      reason: "twice",
    });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("This project has no open quarantine.");
    expect((await auditRows(t)).map((r) => r.action)).toEqual(["project.reject"]);
  });

  it("quarantines a project by name from the form, and says when the project does not exist", async () => {
    const { web } = await signedInAdmin(t);
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    await web.get("/admin/quarantine");
    const missing = await web.post("/admin/quarantine", {
      ecosystem: "pypi",
      name: "nope",
      reason: "reported",
    });
    expect(missing.statusCode).toBe(404);
    const res = await web.post("/admin/quarantine", {
      ecosystem: "pypi",
      name: "Demo_Pkg",
      reason: "reported",
    });
    expect(res.statusCode).toBe(303);
    const page = await web.get("/admin/quarantine");
    expect(page.body).toContain("demo-pkg is quarantined: hidden from installers.");
    expect(page.body).toContain('data-kind="manual"');
    expect((await t.app.inject({ method: "GET", url: "/simple/demo-pkg/" })).statusCode).toBe(404);
    const twice = await web.post("/admin/quarantine", {
      ecosystem: "pypi",
      name: "demo-pkg",
      reason: "again",
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain("This project is already quarantined.");
  });

  it("shows a reported project that is still served, with its reports; dismissing closes them, audited", async () => {
    const { web } = await signedInAdmin(t);
    const alice = await maintainer(t, "alice");
    const bob = await maintainer(t, "bob");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    const reporter = { userId: bob.user.id, emailVerified: true };
    await fileReport(t.deps, reporter, "pypi", "demo-pkg", {
      category: "malware",
      description: "setup.py posts ~/.aws/credentials to a remote host",
    });
    const page = await web.get("/admin/quarantine");
    expect(page.body).toContain('data-kind="report"');
    expect(page.body).toContain('data-reports="1"');
    expect(page.body).toContain("setup.py posts ~/.aws/credentials to a remote host");
    expect(page.body).toContain("Dismiss reports");
    expect((await t.app.inject({ method: "GET", url: "/simple/demo-pkg/" })).statusCode).toBe(200);

    const res = await web.post("/admin/quarantine/dismiss", {
      ecosystem: "pypi",
      name: "demo-pkg",
      reason: "reviewed: the upload goes to the project's own server",
    });
    expect(res.statusCode).toBe(303);
    expect((await web.get("/admin/quarantine")).body).toContain("1 report on demo-pkg dismissed.");
    const rows = await t.deps.db
      .selectFrom("malware_reports")
      .select(["state", "outcome", "closed_by"])
      .execute();
    expect(rows).toEqual([{ state: "closed", outcome: "dismissed", closed_by: "root" }]);
    const none = await web.post("/admin/quarantine/dismiss", {
      ecosystem: "pypi",
      name: "demo-pkg",
      reason: "again",
    });
    expect(none.statusCode).toBe(409);
    expect((await auditRows(t)).map((r) => [r.action, r.target, r.data])).toEqual([
      ["project.dismiss-reports", "pypi/demo-pkg", { reports: 1 }],
    ]);
  });

  it("quarantining a reported project keeps its reports on the case until release closes them", async () => {
    const { web } = await signedInAdmin(t);
    const alice = await maintainer(t, "alice");
    const bob = await maintainer(t, "bob");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    await fileReport(t.deps, { userId: bob.user.id, emailVerified: true }, "pypi", "demo-pkg", {
      category: "typosquatting",
      description: "copies the README of another project",
    });
    await web.get("/admin/quarantine");
    expect(
      (
        await web.post("/admin/quarantine/quarantine", {
          ecosystem: "pypi",
          name: "demo-pkg",
          reason: "reported",
        })
      ).statusCode,
    ).toBe(303);
    const page = await web.get("/admin/quarantine");
    expect(page.body).toContain('data-kind="manual"');
    expect(page.body).toContain('data-reports="1"');
    expect(page.body).not.toContain("Also allow this look-alike name");
    await web.post("/admin/quarantine/release", {
      ecosystem: "pypi",
      name: "demo-pkg",
      reason: "false alarm",
    });
    const rows = await t.deps.db.selectFrom("malware_reports").select(["state", "outcome"]).execute();
    expect(rows).toEqual([{ state: "closed", outcome: "released" }]);
    expect((await auditRows(t)).map((r) => r.action)).toEqual(["project.quarantine", "project.release"]);
  });
});
