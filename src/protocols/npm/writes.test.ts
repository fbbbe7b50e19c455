import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOUR } from "../../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

describe.each(testDatabases())("npm dist-tags, deprecate, unpublish, owners and access on %s", (kind) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    auth = (await npmUser(t, "alice")).auth;
  });
  afterEach(async () => {
    await t.close();
  });

  const req = (method: "GET" | "PUT" | "DELETE" | "POST", url: string, payload?: unknown, headers = auth) =>
    // Bodies go as JSON text, as npm sends them (a dist-tag's body is a bare JSON string).
    payload === undefined
      ? t.app.inject({ method, url, headers })
      : t.app.inject({
          method,
          url,
          payload: JSON.stringify(payload),
          headers: { ...headers, "content-type": "application/json" },
        });
  const publish = async (name: string, version: string, tag = "latest") =>
    expect(
      (await req("PUT", `/npm/${escaped(name)}`, await publishBody(name, version, { tag }))).statusCode,
    ).toBe(201);
  const packument = async (name: string) => (await req("GET", `/npm/${escaped(name)}?write=true`)).json();

  it("adds, lists and removes dist-tags; latest stays; bad tags are refused", async () => {
    await publish("demo", "1.0.0");
    await publish("demo", "2.0.0-beta.1", "next");
    expect((await req("PUT", "/npm/-/package/demo/dist-tags/beta", "1.0.0")).statusCode).toBe(200);
    expect((await req("GET", "/npm/-/package/demo/dist-tags")).json()).toEqual({
      beta: "1.0.0",
      latest: "1.0.0",
      next: "2.0.0-beta.1",
    });
    expect((await req("DELETE", "/npm/-/package/demo/dist-tags/beta")).statusCode).toBe(200);
    const latest = await req("DELETE", "/npm/-/package/demo/dist-tags/latest");
    expect([latest.statusCode, latest.json().error]).toEqual([400, expect.stringMatching(/latest/)]);
    const ranged = await req("PUT", "/npm/-/package/demo/dist-tags/v1", "1.0.0");
    expect([ranged.statusCode, ranged.json().error]).toEqual([
      400,
      expect.stringMatching(/Invalid dist-tag/),
    ]);
    const missing = await req("PUT", "/npm/-/package/demo/dist-tags/x1", "9.9.9");
    expect(missing.statusCode).toBe(404);
    expect((await t.app.inject({ url: "/npm/demo" })).json()["dist-tags"]).toEqual({
      latest: "1.0.0",
      next: "2.0.0-beta.1",
    });
  });

  it("deprecates and un-deprecates with the packument PUT npm deprecate sends", async () => {
    await publish("demo", "1.0.0");
    const doc = await packument("demo");
    doc.versions["1.0.0"].deprecated = "use 2.x";
    expect((await req("PUT", "/npm/demo", doc)).statusCode).toBe(200);
    const abbrev = await t.app.inject({
      url: "/npm/demo",
      headers: { accept: "application/vnd.npm.install-v1+json" },
    });
    expect(abbrev.json().versions["1.0.0"].deprecated).toBe("use 2.x");
    doc.versions["1.0.0"].deprecated = "";
    expect((await req("PUT", "/npm/demo", doc)).statusCode).toBe(200);
    expect((await packument("demo")).versions["1.0.0"].deprecated).toBeUndefined();
    // A new version cannot sneak in through a metadata update.
    doc.versions["3.0.0"] = { ...doc.versions["1.0.0"], version: "3.0.0" };
    expect((await req("PUT", "/npm/demo", doc)).statusCode).toBe(400);
  });

  it("unpublishes one version like npm does, never reuses its number, and moves latest", async () => {
    await publish("demo", "1.0.0");
    await publish("demo", "1.1.0");
    const doc = await packument("demo");
    const tarball = new URL(doc.versions["1.1.0"].dist.tarball).pathname;
    delete doc.versions["1.1.0"];
    expect((await req("PUT", `/npm/demo/-rev/${doc._rev}`, doc)).statusCode).toBe(200);
    const { _rev } = await packument("demo");
    // The tarball went with the version: npm's follow-up DELETE gets a 404, which it counts as done.
    expect((await req("DELETE", `${tarball}/-rev/${_rev}`)).statusCode).toBe(404);
    expect((await t.app.inject({ url: tarball })).statusCode).toBe(404);
    expect((await t.app.inject({ url: "/npm/demo" })).json()["dist-tags"]).toEqual({ latest: "1.0.0" });
    const again = await req("PUT", "/npm/demo", await publishBody("demo", "1.1.0"));
    expect([again.statusCode, again.json().error]).toEqual([403, expect.stringMatching(/never reused/)]);
  });

  it("refuses to unpublish after 72 hours and says why; a stale rev is a conflict", async () => {
    await publish("demo", "1.0.0");
    await publish("demo", "1.0.1");
    const doc = await packument("demo");
    const stale = await req("PUT", `/npm/demo/-rev/1-0000000000000000`, doc);
    expect(stale.statusCode).toBe(409);
    t.clock.advance(73 * HOUR);
    delete doc.versions["1.0.0"];
    const late = await req("PUT", `/npm/demo/-rev/${doc._rev}`, doc);
    expect(late.statusCode).toBe(403);
    expect(late.json().error).toMatch(/within 72 hours.*npm deprecate demo@1\.0\.0/);
    expect((await stored(t)).releases).toBe(2);
  });

  it("unpublishes a whole package: the name stays with its owners", async () => {
    await publish("demo", "1.0.0");
    const { _rev } = await packument("demo");
    expect((await req("DELETE", `/npm/demo/-rev/${_rev}`)).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/npm/demo" })).statusCode).toBe(404);
    expect(await stored(t)).toMatchObject({ projects: 1, releases: 0, files: 0, journal: 1, tags: 0 });
    const bob = await npmUser(t, "bob");
    const squat = await req("PUT", "/npm/demo", await publishBody("demo", "2.0.0"), bob.auth);
    expect(squat.statusCode).toBe(403);
    await publish("demo", "2.0.0");
  });

  it("adds an owner directly (and mails them), removes one, and keeps the last owner", async () => {
    await publish("demo", "1.0.0");
    const bob = await npmUser(t, "bob");
    expect((await req("GET", "/npm/-/user/org.couchdb.user:bob")).json()).toMatchObject({
      name: "bob",
      email: "",
    });
    let doc = await packument("demo");
    const add = await req("PUT", `/npm/demo/-rev/${doc._rev}`, {
      _id: "demo",
      _rev: doc._rev,
      maintainers: [...doc.maintainers, { name: "bob" }],
    });
    expect(add.statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: "/npm/demo" })).json().maintainers.map((m: { name: string }) => m.name),
    ).toEqual(["alice", "bob"]);
    const mails = await t.outbox();
    expect(
      mails.some(
        (m) => m.to.includes("bob@example.com") && m.subject.includes("You are now an owner of demo"),
      ),
    ).toBe(true);
    // bob, now an owner, can publish
    expect((await req("PUT", "/npm/demo", await publishBody("demo", "1.0.1"), bob.auth)).statusCode).toBe(
      201,
    );
    doc = await packument("demo");
    const rm = await req("PUT", `/npm/demo/-rev/${doc._rev}`, {
      _id: "demo",
      _rev: doc._rev,
      maintainers: [{ name: "bob" }],
    });
    expect(rm.statusCode).toBe(200);
    doc = await packument("demo");
    const last = await req(
      "PUT",
      `/npm/demo/-rev/${doc._rev}`,
      { _id: "demo", _rev: doc._rev, maintainers: [] },
      bob.auth,
    );
    expect(last.statusCode).toBe(400);
    expect(last.json().error).toMatch(/at least one owner/);
  });

  it("lets only owners change things; strangers get 403 and nothing changes", async () => {
    await publish("demo", "1.0.0");
    const eve = await npmUser(t, "eve");
    const doc = await packument("demo");
    const tag = await req("PUT", "/npm/-/package/demo/dist-tags/evil", "1.0.0", eve.auth);
    expect(tag.statusCode).toBe(403);
    const own = await req("PUT", `/npm/demo/-rev/${doc._rev}`, { maintainers: [{ name: "eve" }] }, eve.auth);
    expect(own.statusCode).toBe(403);
    const pub = await req("PUT", "/npm/demo", await publishBody("demo", "6.6.6"), eve.auth);
    expect(pub.statusCode).toBe(403);
    expect((await t.app.inject({ url: "/npm/demo" })).json().maintainers).toEqual([
      { name: "alice", email: "" },
    ]);
    const scoped = await req("PUT", "/npm/@alice%2fx", await publishBody("@alice/x", "1.0.0"), eve.auth);
    expect([scoped.statusCode, scoped.json().error]).toEqual([
      403,
      expect.stringMatching(/belongs to the user alice/),
    ]);
  });

  it("reports access and refuses mfa=publish from an owner without 2FA", async () => {
    await publish("demo", "1.0.0");
    expect((await req("GET", "/npm/-/package/demo/visibility")).json()).toEqual({ public: true });
    expect((await req("GET", "/npm/-/package/demo/collaborators")).json()).toEqual({ alice: "read-write" });
    const set = await req("POST", "/npm/-/package/demo/access", {
      publish_requires_tfa: true,
      automation_token_overrides_tfa: false,
    });
    expect([set.statusCode, set.json().error]).toEqual([403, expect.stringMatching(/Enable two-factor/)]);
    expect((await req("GET", "/npm/-/package/demo/access")).json()).toEqual({
      publish_requires_tfa: false,
      automation_token_overrides_tfa: false,
    });
    const search = (await t.app.inject({ url: "/npm/-/v1/search?text=dem" })).json();
    expect(
      search.objects.map((o: { package: { name: string; version: string } }) => [
        o.package.name,
        o.package.version,
      ]),
    ).toEqual([["demo", "1.0.0"]]);
  });
});
