import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { basicAuth, createTestApp, maintainer, type TestApp } from "../../test-support/index.js";

/**
 * Bodies the fuzz campaign (test/hostile/fuzz.test.ts) found answered with a 500 or with a reason
 * phrase that names no problem: twine prints only the reason, so "Unsupported content type." left the
 * user guessing, and a part with no field name crashed the form reader.
 */
describe("upload bodies that are not twine's form", () => {
  let t: TestApp;
  let auth: string;
  beforeEach(async () => {
    t = await createTestApp("sqlite");
    auth = basicAuth("__token__", (await maintainer(t, "alice")).token);
  });
  afterEach(() => t.close());

  const post = (payload: string | Buffer, contentType: string) =>
    t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload,
      headers: { authorization: auth, "content-type": contentType },
    });

  async function expectNothingStored() {
    expect(await t.deps.db.selectFrom("files").select("id").execute()).toEqual([]);
    expect(await t.deps.db.selectFrom("projects").select("id").execute()).toEqual([]);
    expect(readdirSync(join(t.dataDir, "tmp", "uploads"))).toEqual([]);
    const blobs = join(t.dataDir, "blobs");
    expect(existsSync(blobs) ? readdirSync(blobs).filter((n) => n !== ".tmp") : []).toEqual([]);
  }

  it.each([
    ["application/xml", "<upload/>"],
    ["application/gzip", "\u001f\u008b garbage"],
    ["multipart/mixed; boundary=x", "--x\r\n\r\nx\r\n--x--\r\n"],
    ["application/json", JSON.stringify({ x: "y".repeat(1_200_000) })],
  ])("a %s body is told that uploads are multipart/form-data", async (type, body) => {
    const res = await post(body, type);
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toMatch(/^Uploads must be multipart\/form-data, as twine sends them/);
    expect(res.statusMessage).toContain(type.split(";")[0]!);
    await expectNothingStored();
  });

  it("a part without a field name is refused with a 400 that says so", async () => {
    const wheel = Buffer.from("PK\u0005\u0006".padEnd(22, "\u0000"));
    const b = "----nameless";
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="name"\r\n\r\ndemo\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; nme="version"\r\n\r\n1.0\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="sha256_digest"\r\n\r\n`),
      Buffer.from(`${createHash("sha256").update(wheel).digest("hex")}\r\n`),
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="content"; filename="demo-1.0-py3-none-any.whl"\r\n\r\n`,
      ),
      wheel,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    const res = await post(body, `multipart/form-data; boundary=${b}`);
    expect(res.statusCode).toBe(400);
    expect(res.statusMessage).toMatch(/form part has no field name/);
    await expectNothingStored();
  });
});
