import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOUR } from "../../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

// Issue 13 item 10: what npm, yarn 1 and other clients send for audit, star, access list, team,
// deprecate, owner and provenance, answered in a way the client shows.
describe.each(testDatabases())("npm surface real clients hit on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof npmUser>>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await npmUser(t, "alice");
  });
  afterEach(async () => {
    await t.close();
  });

  const json = (
    method: "GET" | "PUT" | "POST" | "DELETE",
    url: string,
    payload?: unknown,
    headers = alice.auth,
  ) =>
    t.app.inject({
      method,
      url,
      headers: { ...headers, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const publish = async (name: string, version = "1.0.0", headers = alice.auth) =>
    expect(
      (await json("PUT", `/npm/${escaped(name)}`, await publishBody(name, version), headers)).statusCode,
    ).toBe(201);

  it("answers npm audit's gzip bulk request with no advisories and a notice saying why", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/security/advisories/bulk",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: gzipSync(JSON.stringify({ lodash: ["4.17.20"], demo: ["1.0.0"] })),
    });
    expect([res.statusCode, res.json()]).toEqual([200, {}]);
    expect(res.headers["npm-notice"]).toMatch(/no security advisory database/);
    const quick = await t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/security/audits/quick",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        name: "app",
        requires: { demo: "^1" },
        dependencies: { demo: { version: "1.0.0" } },
      }),
    });
    expect(quick.statusCode).toBe(200);
    expect(quick.json()).toMatchObject({
      advisories: {},
      metadata: { vulnerabilities: { critical: 0, high: 0 }, totalDependencies: 1 },
    });
    expect(quick.headers["npm-notice"]).toMatch(/no security advisory database/);
  });

  it("stops inflating an audit gzip bomb at the limit, and refuses what is not gzip", async () => {
    // 64 MB of zeros is ~64 KB of gzip: refused once the output passes 8 MB, not inflated to the end.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const started = Date.now();
    const res = await t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/security/advisories/bulk",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: bomb,
    });
    expect([res.statusCode, res.json().error]).toEqual([413, expect.stringMatching(/inflates to more/)]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const broken = await t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/security/advisories/bulk",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: Buffer.from("not gzip at all"),
    });
    expect([broken.statusCode, broken.json().error]).toEqual([400, expect.stringMatching(/not valid gzip/)]);
  });

  it("stars and unstars with the body npm star sends, lists stars, and lets no one star for others", async () => {
    const bob = await npmUser(t, "bob");
    await publish("demo");
    const star = async (who: typeof alice, on: boolean, others: Record<string, boolean> = {}) => {
      const doc = (await json("GET", "/npm/demo?write=true", undefined, who.auth)).json();
      const users = { ...(doc.users ?? {}), ...others };
      if (on) users[who.user.username] = true;
      else delete users[who.user.username];
      return json("PUT", "/npm/demo", { _id: doc._id, _rev: doc._rev, users }, who.auth);
    };
    expect((await star(alice, true)).statusCode).toBe(200);
    // bob's body names carol too: only bob's own star counts.
    expect((await star(bob, true, { carol: true })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/npm/demo" })).json().users).toEqual({ alice: true, bob: true });
    const view = await t.app.inject({
      url: `/npm/-/_view/starredByUser?key=${encodeURIComponent('"alice"')}`,
    });
    expect(view.json()).toEqual({ rows: [{ key: "alice", value: "demo" }] });
    // bob unstars; the body still lists alice, who stays.
    expect((await star(bob, false)).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/npm/demo" })).json().users).toEqual({ alice: true });
    const nobody = await t.app.inject({ url: "/npm/-/_view/starredByUser?key=%22nobody%22" });
    expect([nobody.statusCode, nobody.json().error]).toEqual([404, expect.stringMatching(/No user named/)]);
  });

  it("lists a user's packages for npm access list packages: the org route 404s for a user's name", async () => {
    await publish("demo");
    await publish("@alice/tool");
    const org = await json("GET", "/npm/-/org/alice/package");
    expect(org.statusCode).toBe(404);
    expect((await json("GET", "/npm/-/user/alice/package")).json()).toEqual({
      "@alice/tool": "read-write",
      demo: "read-write",
    });
    // A scope that is no user's name still lists its packages; an unknown one 404s.
    await publish("@acme/thing");
    expect((await json("GET", "/npm/-/org/acme/package")).json()).toEqual({ "@acme/thing": "read-write" });
    expect((await json("GET", "/npm/-/org/nothing/package")).statusCode).toBe(404);
  });

  it("says organizations and teams are not supported, in the body npm and yarn 1 print", async () => {
    for (const [method, url] of [
      ["PUT", "/npm/-/org/acme/team"],
      ["GET", "/npm/-/org/acme/team"],
      ["GET", "/npm/-/team/acme/devs/user"],
      ["PUT", "/npm/-/team/acme/devs/package"],
      ["DELETE", "/npm/-/team/acme/devs"],
    ] as const) {
      const res = await json(method, url, method === "GET" ? undefined : { user: "bob" });
      expect([res.statusCode, res.json().error], `${method} ${url}`).toEqual([
        400,
        expect.stringMatching(/Organizations and teams are not supported on this registry/),
      ]);
    }
    const ls = await json("GET", "/npm/-/org/nosuchorg/user");
    expect([ls.statusCode, ls.json().error]).toEqual([
      404,
      expect.stringMatching(/Organizations and teams are not supported/),
    ]);
  });

  it("advances time.modified when a version is deprecated", async () => {
    await publish("demo");
    const before = (await json("GET", "/npm/demo?write=true")).json();
    t.clock.advance(HOUR);
    before.versions["1.0.0"].deprecated = "use something else";
    expect((await json("PUT", "/npm/demo", before)).statusCode).toBe(200);
    const after = (await t.app.inject({ url: "/npm/demo" })).json();
    expect(Date.parse(after.time.modified) - Date.parse(before.time.modified)).toBe(HOUR);
    const abbrev = await t.app.inject({
      url: "/npm/demo",
      headers: { accept: "application/vnd.npm.install-v1+json" },
    });
    expect(abbrev.json().modified).toBe(after.time.modified);
  });

  it("takes yarn 1's owner add (read from the abbreviated document), and never removes without a revision", async () => {
    await npmUser(t, "bob");
    await npmUser(t, "carol");
    await publish("demo");
    const abbrev = (
      await t.app.inject({ url: "/npm/demo", headers: { accept: "application/vnd.npm.install-v1+json" } })
    ).json();
    expect(abbrev.maintainers).toEqual([{ name: "alice", email: "" }]);
    const add = await json("PUT", `/npm/demo/-rev/${abbrev._rev}`, {
      _id: "demo",
      _rev: abbrev._rev,
      maintainers: [...abbrev.maintainers, { name: "bob", email: "bob@example.com" }],
    });
    expect([add.statusCode, add.json().success]).toEqual([200, true]);
    // An older yarn 1 read found no _rev and no maintainers: `-rev/undefined` with only the new owner.
    const blind = await json("PUT", "/npm/demo/-rev/undefined", {
      maintainers: [{ name: "carol", email: "" }],
    });
    expect(blind.statusCode).toBe(200);
    const owners = (await json("GET", "/npm/demo?write=true"))
      .json()
      .maintainers.map((m: { name: string }) => m.name);
    expect(owners.sort()).toEqual(["alice", "bob", "carol"]);
    const remove = await json("PUT", "/npm/demo/-rev/undefined", {
      maintainers: [
        { name: "alice", email: "" },
        { name: "bob", email: "" },
      ],
    });
    expect([remove.statusCode, remove.json().error]).toEqual([409, expect.stringMatching(/revision/)]);
  });

  it("refuses a publish with a provenance bundle instead of dropping it, and stores nothing", async () => {
    const body = await publishBody("demo", "1.0.0");
    (body._attachments as Record<string, unknown>)["demo-1.0.0.sigstore"] = {
      content_type: "application/vnd.dev.sigstore.bundle.v0.3+json",
      data: JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }),
      length: 10,
    };
    const res = await json("PUT", "/npm/demo", body);
    expect([res.statusCode, res.json().error]).toEqual([
      400,
      "Provenance attestations are not supported on this registry yet: publish without --provenance.",
    ]);
    expect((await t.app.inject({ url: "/npm/demo" })).statusCode).toBe(404);
  });
});
