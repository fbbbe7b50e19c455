import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test-support/index.js";
import { npmUser, publishBody, stored } from "./test-fixtures.js";

/**
 * Publish bodies the fuzz campaign (test/hostile/fuzz.test.ts) found answered with a message that named
 * nothing ("The publish request is not what npm publish sends.", "Unsupported content type."): npm
 * prints `body.error`, so it must say which field is wrong, or what to send.
 */
describe("npm publish bodies that npm would not send", () => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeEach(async () => {
    t = await createTestApp("sqlite");
    auth = (await npmUser(t, "alice")).auth;
  });
  afterEach(() => t.close());

  it("names the field that does not fit the publish document", async () => {
    const body = await publishBody("demo", "1.0.0");
    const att = Object.values(body._attachments)[0] as unknown as Record<string, unknown>;
    att.length = "12";
    const res = await t.app.inject({ method: "PUT", url: "/npm/demo", payload: body, headers: auth });
    expect(res.statusCode).toBe(400);
    const error = res.json().error as string;
    expect(error).toMatch(
      /^The publish request is not what npm publish sends: _attachments\.demo-1\.0\.0\.tgz\.length: /,
    );
    expect(error).toMatch(/expected number/);
    expect((await stored(t)).files).toBe(0);
  });

  it("tells a body of another content type to send JSON", async () => {
    const body = await publishBody("demo", "1.0.0");
    const res = await t.app.inject({
      method: "PUT",
      url: "/npm/demo",
      payload: JSON.stringify(body),
      headers: { ...auth, "content-type": "application/octet-stream" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe("Send the body as JSON (content-type: application/json), as npm does.");
    expect((await stored(t)).files).toBe(0);
  });
});
