import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

// Issue 12, item 2: the permission decision comes before the attachment is decoded and inflated, so a
// token for another package (or someone else's scope) cannot make the registry spend CPU and memory
// on a tarball it will refuse anyway. The tarball below is not gzip: had the registry inspected it, the
// answer would be the corrupt-tarball 400, not the permission 403.

const NOT_GZIP = Buffer.from("this is not a gzip stream, inflating it fails\n".repeat(64));

/** A publish body whose integrity and shasum match the (corrupt) tarball, so only inspection would fail. */
async function corruptPublish(name: string, version: string) {
  return publishBody(name, version, {
    tarball: NOT_GZIP,
    integrity: `sha512-${createHash("sha512").update(NOT_GZIP).digest("base64")}`,
    shasum: createHash("sha1").update(NOT_GZIP).digest("hex"),
  });
}

describe.each(testDatabases())("npm publish refuses before inspecting the tarball on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const put = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });

  it("refuses a token restricted to another package with 403 before the tarball is inflated", async () => {
    const { user, auth } = await npmUser(t, "alice");
    expect((await put("demo", await publishBody("demo", "1.0.0"), auth)).statusCode).toBe(201);
    expect((await put("other", await publishBody("other", "1.0.0"), auth)).statusCode).toBe(201);
    const other = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("name", "=", "other")
      .executeTakeFirstOrThrow();
    const { token } = await insertToken(t.deps.db, t.clock.now(), {
      userId: user.id,
      name: "only other",
      projectIds: [other.id],
      expiresAt: null,
      issuedBy: "user",
    });
    const before = await stored(t);

    const res = await put("demo", await corruptPublish("demo", "1.0.1"), {
      authorization: `Bearer ${token}`,
    });
    expect([res.statusCode, res.json().error]).toEqual([
      403,
      expect.stringMatching(/not scoped to project 'demo'/),
    ]);
    expect(await stored(t)).toEqual(before);

    // The same corrupt tarball with a token that may publish is refused as corrupt: proof that the
    // 403 above came before inspection, not after it.
    const allowed = await put("demo", await corruptPublish("demo", "1.0.1"), auth);
    expect(allowed.statusCode, allowed.body).toBe(400);
  });

  it("refuses a new package in someone else's scope before the tarball is inflated", async () => {
    const alice = await npmUser(t, "alice");
    const mallory = await npmUser(t, "mallory");
    expect((await put("@alice/a", await publishBody("@alice/a", "1.0.0"), alice.auth)).statusCode).toBe(201);
    const before = await stored(t);
    const res = await put("@alice/b", await corruptPublish("@alice/b", "1.0.0"), mallory.auth);
    expect(res.statusCode, res.body).toBe(403);
    expect(await stored(t)).toEqual(before);
  });
});
