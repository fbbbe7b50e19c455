import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSdist, buildWheel, storedZip, writeZip, zeros } from "../../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";

// Hostile or broken uploads: each is refused with a reason twine can show, and leaves no row, no blob
// and no temp file behind.
describe.each(testDatabases())("upload refusals on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  let token: string;
  beforeEach(async () => {
    t = await createTestApp(kind, { uploadLimitBytes: 2 * 1024 * 1024 });
    dir = mkdtempSync(join(tmpdir(), "wharf-bad-"));
    token = (await maintainer(t, "alice")).token;
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(
    path: string,
    fields: Record<string, string | undefined>,
    opts: { filename?: string; omitDigests?: boolean } = {},
  ) {
    const form = await twineForm(path, { name: "demo-pkg", version: "1.0", ...fields }, opts);
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }

  async function expectNothingStored() {
    expect(await t.deps.db.selectFrom("files").select("id").execute()).toEqual([]);
    expect(await t.deps.db.selectFrom("projects").select("id").execute()).toEqual([]);
    expect(readdirSync(join(t.dataDir, "tmp", "uploads"))).toEqual([]);
    const blobs = join(t.dataDir, "blobs");
    expect(existsSync(blobs) ? readdirSync(blobs).filter((n) => n !== ".tmp") : []).toEqual([]);
  }

  const cases: Array<
    [
      string,
      () => Promise<{
        path: string;
        fields?: Record<string, string | undefined>;
        opts?: { filename?: string; omitDigests?: boolean };
      }>,
      number,
      string,
    ]
  > = [
    [
      "a digest that does not match",
      async () => ({
        path: await buildWheel(dir, { name: "demo-pkg", version: "1.0" }),
        fields: { sha256_digest: "a".repeat(64) },
      }),
      400,
      "sha256 digest does not match",
    ],
    [
      "a name differing from the file name",
      async () => ({
        path: await buildWheel(dir, { name: "demo-pkg", version: "1.0" }),
        fields: { name: "other-pkg" },
      }),
      400,
      "but the form says",
    ],
    [
      "a version differing from the file name",
      async () => ({
        path: await buildWheel(dir, { name: "demo-pkg", version: "1.0" }),
        fields: { version: "2.0" },
      }),
      400,
      "but the form says",
    ],
    [
      "an invalid file name",
      async () => ({
        path: await buildWheel(dir, { name: "demo-pkg", version: "1.0" }),
        opts: { filename: "demo-pkg-1.0.exe" },
      }),
      400,
      "demo-pkg-1.0.exe",
    ],
    [
      "an invalid version",
      async () => ({
        path: await buildSdist(dir, { name: "demo-pkg", version: "1.0" }),
        fields: { version: "1.0-banana!" },
        opts: { filename: "demo_pkg-1.0-banana!.tar.gz" },
      }),
      400,
      "Invalid version",
    ],
    [
      "a corrupt zip",
      async () => {
        const path = join(dir, "demo_pkg-1.0-py3-none-any.whl");
        writeFileSync(path, Buffer.from("PK\u0003\u0004 this is not a zip"));
        return { path };
      },
      400,
      "not a valid zip archive",
    ],
    [
      "a member with ../",
      async () => {
        // yazl refuses such names, so the archive is written byte by byte.
        const path = join(dir, "demo_pkg-1.0-py3-none-any.whl");
        writeFileSync(path, storedZip([{ name: Buffer.from("../evil.py"), data: Buffer.from("x") }]));
        return { path };
      },
      400,
      "unsafe path",
    ],
    [
      "a zip bomb",
      async () => ({
        path: await writeZip(join(dir, "demo_pkg-1.0-py3-none-any.whl"), [
          { name: "demo_pkg/__init__.py", data: "" },
          { name: "demo_pkg/bomb.bin", data: () => zeros(200 * 1024 * 1024) },
        ]),
      }),
      400,
      "possible zip bomb",
    ],
    [
      "an oversize upload",
      async () => ({
        path: await writeZip(join(dir, "demo_pkg-1.0-py3-none-any.whl"), [
          { name: "demo_pkg/big.bin", data: () => zeros(3 * 1024 * 1024), compress: false },
        ]),
      }),
      413,
      "File too large",
    ],
    [
      "missing fields",
      async () => ({
        path: await buildWheel(dir, { name: "demo-pkg", version: "1.0" }),
        fields: { version: undefined, filetype: "" },
      }),
      400,
      "Missing required field",
    ],
  ];

  it.each(cases)("refuses %s, storing nothing", async (_what, make, status, reason) => {
    const { path, fields, opts } = await make();
    const res = await send(path, fields ?? {}, opts);
    expect(res.statusCode).toBe(status);
    expect(res.statusMessage).toContain(reason);
    await expectNothingStored();
  });

  it("refuses a Unicode look-alike of a project name", async () => {
    const res = await send(await buildWheel(dir, { name: "demo-pkg", version: "1.0" }), { name: "dеmo-pkg" });
    expect(res.statusCode).toBe(400);
    await expectNothingStored();
  });
});
