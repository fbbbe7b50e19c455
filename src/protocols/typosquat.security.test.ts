import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeProjectQuarantine, listAudit, quarantineProject, quarantineQueue } from "../admin/index.js";
import type { Config } from "../config.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { addRole, forgetProtectedNames } from "../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { escaped, npmUser, publishBody } from "./npm/test-fixtures.js";

// Issue 18 items 2-3: a new name imitating a protected (here: critical) project is held in quarantine
// or refused, as the operator set; quarantine hides a project from pip and npm and lifting it restores it.

const operator = { id: "admin-1", name: "root", ip: "127.0.0.1" };

describe.each(testDatabases())("typosquats and quarantine on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  const start = async (overrides: Partial<Config> = {}) => {
    t = await createTestApp(kind, overrides);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wharf-typosquat-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function twine(name: string, token: string, version = "1.0") {
    const form = await twineForm(await buildWheel(dir, { name, version }), { name, version });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }
  const npmPublish = async (name: string, auth: Record<string, string>, version = "1.0.0") =>
    t.app.inject({
      method: "PUT",
      url: `/npm/${escaped(name)}`,
      payload: await publishBody(name, version),
      headers: auth,
    });
  const get = (url: string) => t.app.inject({ method: "GET", url });
  const protect = async (ecosystem: string, name: string) => {
    await t.deps.db
      .updateTable("projects")
      .set({ critical_since: t.deps.clock.now() })
      .where("ecosystem", "=", ecosystem)
      .where("name", "=", name)
      .execute();
    forgetProtectedNames(t.deps.db);
  };

  it("holds a twine upload of reqeusts next to a critical requests: invisible to pip until released", async () => {
    await start({ typosquatAction: "hold" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("requests", token)).statusCode).toBe(200);
    await protect("pypi", "requests");
    const { token: mallory } = await maintainer(t, "mallory");

    expect((await twine("reqeusts", mallory)).statusCode).toBe(200);
    expect((await get("/simple/reqeusts/")).statusCode).toBe(404);
    expect((await get("/pypi/reqeusts/json")).statusCode).toBe(404);
    expect((await get("/simple/")).body).not.toContain("reqeusts");
    const queue = await quarantineQueue(t.deps);
    expect(queue).toMatchObject([{ projectName: "reqeusts", kind: "typosquat", similarTo: "requests" }]);
    // Its owner cannot change it meanwhile, and is told why.
    const again = await twine("reqeusts", mallory, "1.1");
    expect(again.statusCode).toBe(403);
    expect(again.statusMessage).toContain("quarantined");
    expect(again.statusMessage).toContain("'requests'");

    await closeProjectQuarantine(t.deps, operator, "pypi", "reqeusts", "released", "checked: a real fork");
    expect((await get("/simple/reqeusts/")).statusCode).toBe(200);
    expect((await get("/simple/")).body).toContain("reqeusts");
    expect(await quarantineQueue(t.deps)).toEqual([]);
    expect((await listAudit(t.deps.db)).map((a) => a.action)).toContain("project.release");
  });

  it("mails each verified owner of the imitated project once when a look-alike of it is held", async () => {
    await start({ typosquatAction: "hold" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("requests", token)).statusCode).toBe(200);
    await protect("pypi", "requests");
    const requests = await t.deps.db.selectFrom("projects").select("id").executeTakeFirstOrThrow();
    const { user: bob } = await maintainer(t, "bob");
    const { user: carol } = await maintainer(t, "carol");
    await addRole(t.deps.db, t.clock.now(), requests.id, bob.id, "owner");
    await addRole(t.deps.db, t.clock.now(), requests.id, carol.id, "maintainer");
    const { token: mallory } = await maintainer(t, "mallory");
    const before = (await t.outbox()).length;

    expect((await twine("reqeusts", mallory)).statusCode).toBe(200);
    // The owner's second upload is refused (quarantined): no new project, no second mail.
    expect((await twine("reqeusts", mallory, "1.1")).statusCode).toBe(403);
    const mails = (await t.outbox()).slice(before);
    expect(mails.map((m) => [m.to, m.subject]).sort()).toEqual([
      ["alice@example.com", "[Wharf] A look-alike of requests is held for review"],
      ["bob@example.com", "[Wharf] A look-alike of requests is held for review"],
    ]);
    expect(mails[0]?.text).toContain("A new project named reqeusts was just created");
    expect(mails[0]?.text).toContain("looks like your project requests (one or two letters differ)");
    expect(await t.deps.db.selectFrom("notify_outbox").select("id").execute()).toEqual([]);
  });

  it("refuses the look-alike with a reason naming the similar project when the setting says refuse", async () => {
    await start({ typosquatAction: "refuse" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("requests", token)).statusCode).toBe(200);
    await protect("pypi", "requests");
    const res = await twine("python3-requests", token);
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("looks like the project 'requests'");
    expect((await t.deps.db.selectFrom("projects").select("name").execute()).map((p) => p.name)).toEqual([
      "requests",
    ]);
  });

  it("lets every name through when the setting is off", async () => {
    await start({ typosquatAction: "off" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("requests", token)).statusCode).toBe(200);
    await protect("pypi", "requests");
    expect((await twine("reqeusts", token)).statusCode).toBe(200);
    expect((await get("/simple/reqeusts/")).statusCode).toBe(200);
  });

  it("holds npm's cros-env next to a critical cross-env (crossenv itself meets the older look-alike refusal); rejection keeps it hidden and its name taken", async () => {
    await start({ typosquatAction: "hold" });
    const { auth } = await npmUser(t, "alice");
    expect((await npmPublish("cross-env", auth)).statusCode).toBe(201);
    await protect("npm", "cross-env");
    const { auth: mallory } = await npmUser(t, "mallory");
    expect((await npmPublish("cros-env", mallory)).statusCode).toBe(201);
    expect((await get("/npm/cros-env")).statusCode).toBe(404);

    await closeProjectQuarantine(t.deps, operator, "npm", "cros-env", "rejected", "malware: steals env vars");
    expect((await get("/npm/cros-env")).statusCode).toBe(404);
    const other = await npmPublish("cros-env", auth, "2.0.0");
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toContain("quarantined");
  });

  it("keeps a quarantined project's name taken: another account's upload of it, in any spelling, is refused", async () => {
    await start({ typosquatAction: "hold" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("demo-pkg", token)).statusCode).toBe(200);
    await quarantineProject(t.deps, operator, "pypi", "demo-pkg", "under review");
    const { token: mallory } = await maintainer(t, "mallory");
    for (const name of ["demo-pkg", "Demo.Pkg"])
      expect((await twine(name, mallory, "9.0")).statusCode, name).toBe(403);
    const { auth } = await npmUser(t, "bob");
    expect((await npmPublish("demo-npm", auth)).statusCode).toBe(201);
    await quarantineProject(t.deps, operator, "npm", "demo-npm", "under review");
    const { auth: eve } = await npmUser(t, "eve");
    expect((await npmPublish("demo-npm", eve, "9.0.0")).statusCode).toBe(403);
    const names = await t.deps.db.selectFrom("projects").select("name").orderBy("name").execute();
    expect(names.map((p) => p.name)).toEqual(["demo-npm", "demo-pkg"]);
  });

  it("quarantine of an existing project hides it from pip, npm and downloads; lifting it restores everything", async () => {
    await start({ typosquatAction: "hold" });
    const { token } = await maintainer(t, "alice");
    expect((await twine("demo-pkg", token)).statusCode).toBe(200);
    const { auth } = await npmUser(t, "bob");
    expect((await npmPublish("demo-npm", auth)).statusCode).toBe(201);
    const page = JSON.parse((await get("/pypi/demo-pkg/json")).body) as { urls: { url: string }[] };
    const fileUrl = new URL(page.urls[0]?.url ?? "", "http://x").pathname;
    const tarball = new URL(
      (
        JSON.parse((await get("/npm/demo-npm")).body) as {
          versions: Record<string, { dist: { tarball: string } }>;
        }
      ).versions["1.0.0"]?.dist.tarball ?? "",
    ).pathname;
    expect((await get(fileUrl)).statusCode).toBe(200);
    expect((await get(tarball)).statusCode).toBe(200);

    await quarantineProject(t.deps, operator, "pypi", "demo-pkg", "reported: exfiltrates tokens");
    await quarantineProject(t.deps, operator, "npm", "demo-npm", "reported: exfiltrates tokens");
    for (const url of [
      "/simple/demo-pkg/",
      "/pypi/demo-pkg/json",
      fileUrl,
      "/npm/demo-npm",
      tarball,
      "/project/demo-pkg/",
    ])
      expect((await get(url)).statusCode, url).toBe(404);
    expect((await get("/simple/")).body).not.toContain("demo-pkg");

    await closeProjectQuarantine(t.deps, operator, "pypi", "demo-pkg", "released", "false report");
    await closeProjectQuarantine(t.deps, operator, "npm", "demo-npm", "released", "false report");
    for (const url of ["/simple/demo-pkg/", "/pypi/demo-pkg/json", fileUrl, "/npm/demo-npm", tarball])
      expect((await get(url)).statusCode, url).toBe(200);
    expect((await listAudit(t.deps.db)).map((a) => a.action).sort()).toEqual([
      "project.quarantine",
      "project.quarantine",
      "project.release",
      "project.release",
    ]);
  });
});
