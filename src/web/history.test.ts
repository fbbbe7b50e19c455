import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

/** The row of the first event of a type, as text with its details ("File: demo-1.0…"). */
function rowText(html: string, type: string): string {
  const row =
    new RegExp(`<tr[^>]*data-event="${type.replace(/\./g, "\\.")}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? "";
  return row
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

// Issue 14, "Why" finding 11: history rows lacked which project, which file, which setting, old → new.
describe.each(testDatabases())("security history details on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-history-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the project and file of an upload and shows a setting's change as old → new", async () => {
    const { web, user } = await signedInUser(t, "alice");
    expect((await publish(t, dir, await accountToken(t, user.id), "demo-pkg", "1.0")).statusCode).toBe(200);
    await web.get("/manage/project/demo-pkg/");
    const saved = await web.post("/manage/project/demo-pkg/settings", { requirement: "any" });
    expect(saved.statusCode).toBe(303);

    const mine = (await web.get("/account/security-history")).body;
    const upload = rowText(mine, "file.uploaded");
    expect(upload).toContain("Project demo-pkg");
    expect(upload).toMatch(/File demo_pkg-1\.0-py3-none-any\.whl/);
    expect(upload).toContain("Version 1.0");

    // (Alice has no second factor, so the project now refuses her its manage page; her history has it.)
    const after = (await web.get("/account/security-history")).body;
    const change = rowText(after, "project.mfa_requirement");
    expect(change).toContain("Two-factor requirement none → changed to any");
    expect(after).toMatch(/<del>none<\/del> <span aria-hidden="true">→<\/span>/);
    // No raw data: no JSON braces, no ids, no epoch milliseconds.
    expect(`${upload} ${change}`).not.toMatch(/[{}"]|\b\d{13}\b/);
  });
});
