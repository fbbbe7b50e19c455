import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { type ClientRequest, request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spoolDir } from "../../lib/spool-dir.js";
import { MAX_INSPECTIONS_PER_USER, tryInspectionSlot } from "../../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { escaped, makeTarball, npmUser, publishBody, stored } from "./test-fixtures.js";

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
  // Requests a failed assertion left mid-body: closing the server would wait for them.
  const open: ClientRequest[] = [];
  afterEach(async () => {
    for (const r of open.splice(0)) r.destroy();
    await t.close();
  });

  const put = (name: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: "PUT", url: `/npm/${escaped(name)}`, payload: body as object, headers });

  /** alice with packages demo and other, her account-wide token, and one restricted to other. */
  async function aliceWithTokenForOther() {
    const alice = await npmUser(t, "alice");
    expect((await put("demo", await publishBody("demo", "1.0.0"), alice.auth)).statusCode).toBe(201);
    expect((await put("other", await publishBody("other", "1.0.0"), alice.auth)).statusCode).toBe(201);
    const other = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("name", "=", "other")
      .executeTakeFirstOrThrow();
    const { token: onlyOther } = await insertToken(t.deps.db, t.clock.now(), {
      userId: alice.user.id,
      name: "only other",
      projectIds: [other.id],
      expiresAt: null,
      issuedBy: "user",
    });
    return { ...alice, onlyOther };
  }

  it("refuses a token restricted to another package with 403 before the tarball is inflated", async () => {
    const { auth, onlyOther: token } = await aliceWithTokenForOther();
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

  /**
   * The tarball is inspected while it arrives only for a request already allowed to publish the package
   * (tarball-arrival.ts); such an inspection holds one of the user's slots from the tarball's first
   * byte. Over a real socket the body is sent but for its last bytes; the spool file shows the server has
   * begun the tarball, and the user's free slots show whether an inspection runs.
   */
  async function midBody(path: string, body: unknown, token: string, chunked = false) {
    if (!t.app.server.listening) await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as { port: number };
    const bytes = Buffer.from(JSON.stringify(body));
    const req = request({
      host: "127.0.0.1",
      port,
      method: path.startsWith("/npm/-/stage/") ? "POST" : "PUT",
      path,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        ...(chunked ? {} : { "content-length": bytes.length }),
      },
    });
    open.push(req);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on("error", reject);
    });
    // A spool file this request made (an earlier publish's may still be being removed).
    const spool = spoolDir(t.deps.config.dataDir);
    const parts = () => {
      try {
        return readdirSync(spool).filter((f) => f.endsWith(".part"));
      } catch {
        return [];
      }
    };
    const before = new Set(parts());
    const spooling = () => parts().some((f) => !before.has(f));
    req.write(bytes.subarray(0, bytes.length - 100));
    for (let i = 0; i < 250 && !spooling(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(spooling(), "the server began spooling the tarball").toBe(true);
    return {
      finish: async () => {
        req.end(bytes.subarray(bytes.length - 100));
        return answer;
      },
    };
  }

  /** Slots the user has free right now (taken and given straight back). */
  function freeSlots(userId: string): number {
    const taken: (() => void)[] = [];
    for (let r = tryInspectionSlot(userId); r; r = tryInspectionSlot(userId)) taken.push(r);
    for (const r of taken) r();
    return taken.length;
  }

  const bigPublish = async (name: string, version: string) =>
    publishBody(name, version, {
      tarball: await makeTarball(
        { name, version, description: `the ${name} package` },
        { "package/r.txt": randomBytes(2 * 1024 * 1024).toString("hex") },
      ),
    });

  it("inspects an allowed publish's tarball as it arrives, but not one of a token for another package nor a chunked one", async () => {
    const { user, token, onlyOther } = await aliceWithTokenForOther();
    const refused = await midBody("/npm/demo", await bigPublish("demo", "1.0.1"), onlyOther);
    expect(freeSlots(user.id)).toBe(MAX_INSPECTIONS_PER_USER);
    const no = await refused.finish();
    expect([no.status, no.body]).toEqual([403, expect.stringMatching(/not scoped to project 'demo'/)]);

    const allowed = await midBody("/npm/demo", await bigPublish("demo", "1.0.1"), token);
    expect(freeSlots(user.id)).toBe(MAX_INSPECTIONS_PER_USER - 1);
    const yes = await allowed.finish();
    expect(yes.status, yes.body).toBe(201);
    expect(freeSlots(user.id)).toBe(MAX_INSPECTIONS_PER_USER);

    // Chunked, it declares no length to bound the gzip-bomb cap while it arrives: inspected afterwards.
    const chunked = await midBody("/npm/demo", await bigPublish("demo", "1.0.2"), token, true);
    expect(freeSlots(user.id)).toBe(MAX_INSPECTIONS_PER_USER);
    const later = await chunked.finish();
    expect(later.status, later.body).toBe(201);
  });

  it("does not inspect early for someone else's scope, nor for a staged first version", async () => {
    const alice = await npmUser(t, "alice");
    const mallory = await npmUser(t, "mallory");
    expect((await put("@alice/a", await publishBody("@alice/a", "1.0.0"), alice.auth)).statusCode).toBe(201);

    const foreign = await midBody(
      `/npm/${escaped("@alice/b")}`,
      await bigPublish("@alice/b", "1.0.0"),
      mallory.token,
    );
    expect(freeSlots(mallory.user.id)).toBe(MAX_INSPECTIONS_PER_USER);
    expect((await foreign.finish()).status).toBe(403);

    const staged = await midBody(
      "/npm/-/stage/package/newpkg",
      await bigPublish("newpkg", "1.0.0"),
      alice.token,
    );
    expect(freeSlots(alice.user.id)).toBe(MAX_INSPECTIONS_PER_USER);
    expect((await staged.finish()).status).not.toBe(201);
  });
});
