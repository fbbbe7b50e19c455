import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allowLookalike, listAudit, revokeLookalike } from "../admin/index.js";
import { cliActor } from "../cli/audit.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { escaped, npmUser, publishBody } from "./npm/test-fixtures.js";

// Issue 13 item 8: the look-alike rule had an exemption for the twin's own maintainers, so the
// `alice-demo` team could make `a1ice-demo` and `alice-dem0` — names that fool users whoever owns them.
// No one is exempt now; only an operator's audited allowance of one exact name lets a look-alike in.

const operator = { id: "admin-1", name: "root", ip: "127.0.0.1" };

describe.each(testDatabases())("look-alike names without an owner exemption on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-lookalike-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function twine(name: string, token: string) {
    const form = await twineForm(await buildWheel(dir, { name, version: "1.0" }), { name, version: "1.0" });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }
  const npmPublish = async (name: string, auth: Record<string, string>) =>
    t.app.inject({
      method: "PUT",
      url: `/npm/${escaped(name)}`,
      payload: await publishBody(name, "1.0.0"),
      headers: auth,
    });
  const projects = async (ecosystem: string) =>
    (await t.deps.db.selectFrom("projects").select("name").where("ecosystem", "=", ecosystem).execute())
      .map((p) => p.name)
      .sort();

  it("refuses the owner of alice-demo a1ice-demo and alice-dem0 via twine, with the usual reason", async () => {
    const { token } = await maintainer(t, "alice");
    expect((await twine("alice-demo", token)).statusCode).toBe(200);
    for (const twin of ["a1ice-demo", "alice-dem0", "Alice_Dem0"]) {
      const res = await twine(twin, token);
      expect(res.statusCode, twin).toBe(403);
      expect(res.statusMessage).toContain("is too similar to the existing project 'alice-demo'");
    }
    expect(await projects("pypi")).toEqual(["alice-demo"]);
  });

  it("refuses the owner of alice-demo a1ice-demo via npm publish, with the usual error", async () => {
    const { auth } = await npmUser(t, "alice");
    expect((await npmPublish("alice-demo", auth)).statusCode).toBe(201);
    for (const twin of ["a1ice-demo", "alice-dem0"]) {
      const res = await npmPublish(twin, auth);
      expect(res.statusCode, twin).toBe(403);
      expect(res.json().error).toContain("is too similar to the existing project 'alice-demo'");
    }
    expect(await projects("npm")).toEqual(["alice-demo"]);
  });

  it("lets an allowed look-alike be created, exactly that name in that ecosystem", async () => {
    const { token } = await maintainer(t, "alice");
    const { auth } = await npmUser(t, "bob");
    expect((await twine("alice-demo", token)).statusCode).toBe(200);
    expect((await npmPublish("alice-demo", auth)).statusCode).toBe(201);
    await allowLookalike(t.deps, operator, "pypi", "A1ice_Demo", "migrated from the old index");

    expect((await twine("a1ice-demo", token)).statusCode).toBe(200);
    // Another look-alike of the same pair, and the same name on npm, are still refused.
    expect((await twine("alice-dem0", token)).statusCode).toBe(403);
    expect((await npmPublish("a1ice-demo", auth)).statusCode).toBe(403);
    expect(await projects("pypi")).toEqual(["a1ice-demo", "alice-demo"]);
    expect(await projects("npm")).toEqual(["alice-demo"]);
  });

  it("refuses new creations again once the allowance is revoked; a project made meanwhile stays", async () => {
    const { auth } = await npmUser(t, "bob");
    expect((await npmPublish("alice-demo", auth)).statusCode).toBe(201);
    await allowLookalike(t.deps, operator, "npm", "a1ice-demo", "historic pair");
    expect((await npmPublish("a1ice-demo", auth)).statusCode).toBe(201);
    await allowLookalike(t.deps, operator, "npm", "alice-dem0", "historic pair");
    await revokeLookalike(t.deps, operator, "npm", "alice-dem0", "no longer needed");
    const res = await npmPublish("alice-dem0", auth);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toContain("is too similar");
    // The project created under the allowance keeps publishing.
    const next = await publishBody("a1ice-demo", "1.0.1");
    const more = await t.app.inject({ method: "PUT", url: "/npm/a1ice-demo", payload: next, headers: auth });
    expect(more.statusCode).toBe(201);
    expect(await projects("npm")).toEqual(["a1ice-demo", "alice-demo"]);
  });

  it("records every allowance and revocation in the audit log, the CLI's as cli:<os user>@<host>", async () => {
    const cli = cliActor();
    expect(cli.name).toMatch(/^cli:[^@]+@.+$/);
    await allowLookalike(t.deps, operator, "pypi", "djangorestframework", "pair from the PyPI mirror");
    await allowLookalike(t.deps, cli, "npm", "a1ice-demo", "migration batch 3");
    await revokeLookalike(t.deps, cli, "pypi", "djangorestframework", "mirror retired");
    await expect(allowLookalike(t.deps, cli, "npm", "a1ice-demo", "again")).rejects.toMatchObject({
      code: "ALREADY_LOOKALIKE_ALLOWED",
    });
    await expect(
      revokeLookalike(t.deps, cli, "pypi", "never-allowed", "no such allowance"),
    ).rejects.toMatchObject({
      code: "NOT_LOOKALIKE_ALLOWED",
    });
    await expect(allowLookalike(t.deps, cli, "npm", "x", " ")).rejects.toBeTruthy();
    const ours = (await listAudit(t.deps.db))
      .filter((e) => e.action.endsWith("-lookalike"))
      .map((e) => [e.action, e.actorName, e.target, e.reason])
      .sort();
    expect(ours).toEqual(
      [
        ["name.allow-lookalike", "root", "pypi/djangorestframework", "pair from the PyPI mirror"],
        ["name.allow-lookalike", cli.name, "npm/a1ice-demo", "migration batch 3"],
        ["name.revoke-lookalike", cli.name, "pypi/djangorestframework", "mirror retired"],
      ].sort(),
    );
  });
});
