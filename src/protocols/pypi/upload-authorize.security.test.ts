import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerUser } from "../../accounts/index.js";
import { buildWheel, writeZip, zeros } from "../../packages/archives/test-fixtures.js";
import { findProject } from "../../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  tokenFor,
  twineForm,
} from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import * as spool from "./spool.js";

// Counts how often an upload is spooled, so the tests can assert that no byte of a refused file was.
vi.mock("./spool.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./spool.js")>();
  return { ...actual, spoolUpload: vi.fn(actual.spoolUpload) };
});

// Authorize before reading the file: someone who may not upload to a project is refused with 403
// before the file part is spooled, hashed or unpacked (a large file costs the server nothing).
describe.each(testDatabases())("upload authorized before spooling on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  let big: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-authz-"));
    big = await writeZip(join(dir, "demo_pkg-2.0-py3-none-any.whl"), [
      { name: "demo_pkg/big.bin", data: () => zeros(8 * 1024 * 1024), compress: false },
    ]);
    vi.mocked(spool.spoolUpload).mockClear();
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(path: string, token: string, version: string) {
    const form = await twineForm(path, { name: "demo-pkg", version });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }

  /** alice owns demo-pkg (published for real, so the project exists). */
  async function aliceOwnsDemo() {
    const alice = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0" });
    expect((await upload(wheel, alice.token, "1.0")).statusCode).toBe(200);
    vi.mocked(spool.spoolUpload).mockClear();
    return alice;
  }

  it("refuses a token restricted to another project without spooling the file", async () => {
    const alice = await aliceOwnsDemo();
    const other = await buildWheel(dir, { name: "other-pkg", version: "1.0" });
    const form = await twineForm(other, { name: "other-pkg", version: "1.0" });
    await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", alice.token) },
    });
    const otherProject = await findProject(t.deps.db, "pypi", "other-pkg");
    const scoped = await tokenFor(t, alice.user.id, [otherProject!.id]);
    vi.mocked(spool.spoolUpload).mockClear();

    const res = await upload(big, scoped, "2.0");
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("not scoped to project 'demo-pkg'");
    expect(spool.spoolUpload).not.toHaveBeenCalled();
  });

  it("refuses a user with no role on an existing project without spooling the file", async () => {
    await aliceOwnsDemo();
    const mallory = await maintainer(t, "mallory");
    const res = await upload(big, mallory.token, "2.0");
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("not an owner or maintainer of 'demo-pkg'");
    expect(spool.spoolUpload).not.toHaveBeenCalled();
  });

  it("refuses an account whose email is not verified without spooling the file", async () => {
    const user = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "fresh", email: "fresh@example.com", password: "correct horse battery", verified: false },
      { viaOperator: true },
    );
    const { token } = await insertToken(t.deps.db, t.clock.now(), {
      userId: user.id,
      name: "fresh",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    const res = await upload(big, token, "2.0");
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("Verify your account's email address");
    expect(spool.spoolUpload).not.toHaveBeenCalled();
  });

  it("still spools and publishes for a maintainer", async () => {
    const alice = await aliceOwnsDemo();
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "3.0" });
    expect((await upload(wheel, alice.token, "3.0")).statusCode).toBe(200);
    expect(spool.spoolUpload).toHaveBeenCalledTimes(1);
  });
});
