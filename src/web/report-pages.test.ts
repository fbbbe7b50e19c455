import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quarantineProject } from "../admin/index.js";
import { signedUp } from "../mfa/test-helpers.js";
import {
  createTestApp,
  FormClient,
  maintainer,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { publish } from "./test-fixtures.js";

// Issue 18 items 3 and 5: the "Report malware" entry of project pages and its form; the banner the
// owners of a quarantined project read on its pages, and the reason twine shows them.

const operator = { id: "admin-1", name: "root", ip: "127.0.0.1" };
/** The sidebar's report box as text (it holds a link, which textOf stops at). */
const reportBox = (html: string) =>
  /<section id="report-malware">([\s\S]*?)<\/section>/
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ");

describe.each(testDatabases())("report form and quarantine banner on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-report-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const verified = async (username: string, ip: string) => {
    const web = await signedUp(t, username, ip);
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: t.clock.now() })
      .where("username", "=", username)
      .execute();
    return web;
  };
  const signIn = async (username: string, ip: string) => {
    const web = new FormClient(t.app, ip);
    await web.get("/account/login");
    expect(
      (await web.post("/account/login", { username, password: "correct horse battery" })).statusCode,
    ).toBe(303);
    return web;
  };

  it("offers the report link to verified accounts only, and tells the others what to do", async () => {
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    const anonymous = await t.app.inject({ method: "GET", url: "/project/demo-pkg/" });
    expect(reportBox(anonymous.body)).toContain("Sign in to report malware");
    const unverified = await (await signedUp(t, "newbie", "10.6.0.1")).get("/project/demo-pkg/");
    expect(reportBox(unverified.body)).toContain("Verify your email address to report malware");
    const bob = await verified("bob", "10.6.0.2");
    const page = await bob.get("/project/demo-pkg/");
    expect(page.body).toContain('href="/report?ecosystem=pypi&amp;name=demo-pkg"');
    const refused = await (await signedUp(t, "newbie2", "10.6.0.3")).get(
      "/report?ecosystem=pypi&name=demo-pkg",
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('name="description"');
  });

  it("files a report from the form: errors beside the fields, then thanks on the project page", async () => {
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    const bob = await verified("bob", "10.6.1.1");
    const form = await bob.get("/report?ecosystem=pypi&name=Demo_Pkg");
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="description"');
    const bad = await bob.post("/report", {
      ecosystem: "pypi",
      name: "demo-pkg",
      category: "",
      description: "bad",
    });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body, "category-error")).toContain("Choose what is wrong");
    const short = await bob.post("/report", {
      ecosystem: "pypi",
      name: "demo-pkg",
      category: "malware",
      description: "bad",
    });
    expect(textOf(short.body, "description-error")).toContain("10 to 2,000 characters");
    const ok = await bob.post("/report", {
      ecosystem: "pypi",
      name: "demo-pkg",
      category: "malware",
      description: "the wheel's __init__ downloads and runs a script",
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe("/project/demo-pkg/");
    expect((await bob.get("/project/demo-pkg/")).body).toContain(
      "your report on demo-pkg reached the registry",
    );
    const twice = await bob.post("/report", {
      ecosystem: "pypi",
      name: "demo-pkg",
      category: "spam",
      description: "reporting a second time",
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain("You already reported this project");
    expect(await t.deps.db.selectFrom("malware_reports").select("category").execute()).toEqual([
      { category: "malware" },
    ]);
  });

  it("shows the owner of a quarantined project why on its page and manage page; twine names the reason and what to do", async () => {
    const alice = await maintainer(t, "alice");
    expect((await publish(t, dir, alice.token, "demo-pkg", "1.0")).statusCode).toBe(200);
    await quarantineProject(t.deps, operator, "pypi", "demo-pkg", "reported: posts tokens to a remote host");
    const web = await signIn("alice", "10.6.2.1");
    const expected =
      "This project is quarantined: reported: posts tokens to a remote host. It is hidden from installers and cannot be changed until an operator reviews it.";
    const page = await web.get("/project/demo-pkg/");
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body, "quarantine-notice")).toContain(expected);
    expect(page.body).not.toContain('id="report-malware"');
    const manage = await web.get("/manage/project/demo-pkg/");
    expect(manage.statusCode).toBe(200);
    expect(textOf(manage.body, "quarantine-notice")).toContain(expected);
    // Nobody else sees the project, nor the banner, nor the project on its owner's public profile.
    expect((await t.app.inject({ method: "GET", url: "/project/demo-pkg/" })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/user/alice/" })).body).not.toContain("demo-pkg");
    expect((await web.get("/account/projects")).body).toContain("demo-pkg");

    const twine = await publish(t, dir, alice.token, "demo-pkg", "1.1");
    expect(twine.statusCode).toBe(403);
    expect(twine.statusMessage).toContain("contact them if you think this is a mistake");
    expect(twine.statusMessage).toContain("Reason: reported: posts tokens to a remote host");
  });
});
