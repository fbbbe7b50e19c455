import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";

// Bounded work at /legacy/: every text field is capped before a parser sees it, all text fields
// together are capped (they only carry metadata), U+0000 is refused the same on every database, and a
// malformed multipart body is the client's error (400), not the server's (500).
describe.each(testDatabases())("upload form limits on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  let token: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-form-"));
    token = (await maintainer(t, "alice")).token;
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: basicAuth("__token__", token) });

  async function send(
    fields: Record<string, string | string[] | undefined>,
    wheel: { version?: string; metadataExtra?: string } = {},
  ) {
    const version = wheel.version ?? "1.0";
    const path = await buildWheel(dir, { name: "demo-pkg", version, metadataExtra: wheel.metadataExtra });
    const form = await twineForm(path, { name: "demo-pkg", version, ...fields });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, ...auth() },
    });
  }

  async function expectNothingStored() {
    expect(await t.deps.db.selectFrom("files").select("id").execute()).toEqual([]);
    expect(await t.deps.db.selectFrom("projects").select("id").execute()).toEqual([]);
    expect(readdirSync(join(t.dataDir, "tmp", "uploads"))).toEqual([]);
  }

  it("refuses a version longer than 128 characters before parsing it", async () => {
    // A valid PEP 440 version, so only the cap can refuse it.
    const res = await send({}, { version: `1${".0".repeat(70)}` });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("'version' is too long: at most 128 characters");
    await expectNothingStored();
  });

  it("refuses a requires_python longer than 512 characters", async () => {
    const res = await send({ requires_python: `>=3.8${",!=3.9.0".repeat(70)}` });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("'requires_python' is too long: at most 512 characters");
    await expectNothingStored();
  });

  it("refuses a Version longer than 128 characters in METADATA", async () => {
    const long = `1${".0".repeat(70)}`;
    const path = await buildWheel(dir, {
      name: "demo-pkg",
      version: "1.0",
      metadata: `Metadata-Version: 2.1\nName: demo-pkg\nVersion: ${long}\n\n`,
    });
    const form = await twineForm(path, { name: "demo-pkg", version: "1.0" });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, ...auth() },
    });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("Version is longer than 128 characters");
    await expectNothingStored();
  });

  it("refuses text fields over 2 MiB in total, with a reason twine shows", async () => {
    const res = await send({
      description: "x".repeat(1024 * 1024),
      long_description: "y".repeat(1024 * 1024),
    });
    expect(res.statusCode).toBe(413);
    expect(res.statusMessage).toContain("form fields are too large: at most 2 MiB");
    await expectNothingStored();
  });

  it("refuses one text field larger than the whole form budget", async () => {
    const res = await send({ description: "x".repeat(3 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.statusMessage).toContain("form fields are too large");
    await expectNothingStored();
  });

  it("refuses more than 1000 text fields", async () => {
    const res = await send({ classifiers: Array.from({ length: 1001 }, (_, i) => `C :: ${i}`) });
    expect(res.statusCode).toBe(413);
    expect(res.statusMessage).toContain("Too many form fields: at most 1000");
    await expectNothingStored();
  });

  it("still accepts a large real-world form (a 1 MiB description, 600 repeated fields)", async () => {
    const res = await send({
      description: "d".repeat(1024 * 1024),
      requires_dist: Array.from({ length: 600 }, (_, i) => `dep${i}>=1.0`),
    });
    expect(res.statusCode).toBe(200);
  });

  it("refuses U+0000 in a form field", async () => {
    const res = await send({ summary: "nul\u0000here" });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("'summary' contains a NUL character (U+0000)");
    await expectNothingStored();
  });

  it("refuses U+0000 in METADATA, the same on every database", async () => {
    const res = await send({}, { metadataExtra: "Summary: nul\u0000here" });
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toContain("NUL character (U+0000)");
    await expectNothingStored();
  });

  describe("malformed multipart bodies answer 400", () => {
    async function twineBody() {
      const path = await buildWheel(dir, { name: "demo-pkg", version: "1.0" });
      return twineForm(path, { name: "demo-pkg", version: "1.0" });
    }
    const post = (payload: Buffer | string, contentType: string) =>
      t.app.inject({
        method: "POST",
        url: "/legacy/",
        payload,
        headers: { "content-type": contentType, ...auth() },
      });

    it("a body cut off in the middle of the file", async () => {
      const form = await twineBody();
      const res = await post(
        form.payload.subarray(0, form.payload.length - 200),
        form.headers["content-type"]!,
      );
      expect(res.statusCode).toBe(400);
      expect(res.statusMessage).toMatch(/malformed multipart/i);
      await expectNothingStored();
    });

    it("a body cut off among the text fields", async () => {
      const form = await twineBody();
      const res = await post(form.payload.subarray(0, 150), form.headers["content-type"]!);
      expect(res.statusCode).toBe(400);
      expect(res.statusMessage).toMatch(/malformed multipart/i);
    });

    it("a missing boundary", async () => {
      const form = await twineBody();
      const res = await post(form.payload, "multipart/form-data");
      expect(res.statusCode).toBe(400);
      expect(res.statusMessage).toMatch(/malformed multipart/i);
    });

    it("a wrong boundary", async () => {
      const form = await twineBody();
      const res = await post(form.payload, "multipart/form-data; boundary=not-the-one-used");
      expect(res.statusCode).toBe(400);
      expect(res.statusMessage).toMatch(/malformed multipart|missing the file/i);
    });

    it("a body that is not multipart at all", async () => {
      const res = await post("just some text\r\n", "multipart/form-data; boundary=xyz");
      expect(res.statusCode).toBe(400);
    });

    it("a form sent as application/x-www-form-urlencoded", async () => {
      const res = await post("name=demo-pkg&version=1.0", "application/x-www-form-urlencoded");
      expect(res.statusCode).toBe(400);
    });
  });
});
