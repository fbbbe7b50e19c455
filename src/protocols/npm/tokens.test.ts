import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { basicAuth, createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { listTokens } from "../../tokens/index.js";
import { npmUser, publishBody } from "./test-fixtures.js";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("npm tokens API (one store with the web and PyPI) on %s", (kind) => {
  let t: TestApp;
  let auth: Record<string, string>;
  let userId: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    const u = await npmUser(t, "alice");
    auth = u.auth;
    userId = u.user.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const create = (body: Record<string, unknown>, remoteAddress = "127.0.0.1") =>
    t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/tokens",
      payload: { password: PASSWORD, ...body },
      headers: auth,
      remoteAddress,
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const publish = async (
    name: string,
    version: string,
    headers: Record<string, string>,
    remoteAddress = "127.0.0.1",
  ) =>
    t.app.inject({
      method: "PUT",
      url: `/npm/${name}`,
      payload: await publishBody(name, version),
      headers,
      remoteAddress,
    });

  it("creates classic and granular tokens that the web's token list shows, and revokes them", async () => {
    const classic = await create({ readonly: false, cidr_whitelist: [] });
    expect(classic.statusCode, classic.body).toBe(201);
    expect(classic.json()).toMatchObject({ token: expect.stringMatching(/^wharf_/), readonly: false });
    const ro = await create({ name: "mirror", packages_and_scopes_permission: "read-only", expires: 30 });
    expect(ro.json()).toMatchObject({ readonly: true, expires: expect.any(String) });
    const list = (await t.app.inject({ url: "/npm/-/npm/v1/tokens", headers: auth })).json();
    expect(list.urls).toEqual({ next: null });
    const mirror = list.objects.find((o: { name: string }) => o.name === "mirror");
    expect(mirror).toMatchObject({ readonly: true, token: expect.stringMatching(/^wharf_.{6}$/) });
    const web = await listTokens(t.deps.db, userId);
    expect(web.map((w) => w.name)).toContain("mirror");
    const gone = await t.app.inject({
      method: "DELETE",
      url: `/npm/-/npm/v1/tokens/token/${mirror.key}`,
      headers: auth,
    });
    expect(gone.statusCode).toBe(200);
    expect((await t.app.inject({ url: "/npm/-/whoami", headers: bearer(ro.json().token) })).statusCode).toBe(
      401,
    );
    expect(
      (await t.app.inject({ method: "DELETE", url: "/npm/-/npm/v1/tokens/token/nope", headers: auth }))
        .statusCode,
    ).toBe(404);
  });

  it("refuses a wrong password, unknown packages, organisations and bad CIDRs", async () => {
    expect((await create({ password: "not it at all" })).statusCode).toBe(403);
    const missing = await create({ packages: ["never-published"] });
    expect([missing.statusCode, missing.json().error]).toEqual([
      404,
      expect.stringMatching(/never-published/),
    ]);
    expect((await create({ orgs: ["acme"] })).statusCode).toBe(400);
    const cidr = await create({ cidr_whitelist: ["10.0.0.300/8"] });
    expect([cidr.statusCode, cidr.json().error]).toEqual([400, expect.stringMatching(/CIDR/)]);
    expect(await listTokens(t.deps.db, userId)).toHaveLength(1);
    // As on the web, minting a token needs a verified email (a login's token does not).
    const unverified = await npmUser(t, "newbie", { verified: false });
    const gated = await t.app.inject({
      method: "POST",
      url: "/npm/-/npm/v1/tokens",
      payload: { password: PASSWORD, name: "x" },
      headers: unverified.auth,
    });
    expect([gated.statusCode, gated.json().error]).toEqual([403, expect.stringMatching(/Verify your email/)]);
  });

  it("enforces read-only on npm and on PyPI, while reads still work", async () => {
    await publish("demo", "1.0.0", auth);
    const { token } = (await create({ readonly: true })).json();
    expect((await t.app.inject({ url: "/npm/-/whoami", headers: bearer(token) })).json()).toEqual({
      username: "alice",
    });
    expect((await t.app.inject({ url: "/npm/demo", headers: bearer(token) })).statusCode).toBe(200);
    const write = await publish("demo", "1.0.1", bearer(token));
    expect([write.statusCode, write.json().error]).toEqual([403, expect.stringMatching(/read-only/)]);
    const fd = new FormData();
    fd.append(":action", "file_upload");
    fd.append("content", new Blob([Buffer.from("x")]), "demo-1.0.tar.gz");
    const r = new Request("http://x/", { method: "POST", body: fd });
    const twine = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: Buffer.from(await r.arrayBuffer()),
      headers: {
        "content-type": r.headers.get("content-type")!,
        authorization: basicAuth("__token__", token),
      },
    });
    expect([twine.statusCode, twine.statusMessage]).toEqual([403, expect.stringMatching(/read-only/)]);
  });

  it("enforces the CIDR allow-list and package scoping", async () => {
    await publish("demo", "1.0.0", auth);
    await publish("other", "1.0.0", auth);
    const { token } = (await create({ cidr_whitelist: ["10.0.0.0/8"], packages: ["demo"] })).json();
    const outside = await publish("demo", "1.0.1", bearer(token));
    expect([outside.statusCode, outside.json().error]).toEqual([
      403,
      expect.stringMatching(/only be used from 10\.0\.0\.0\/8/),
    ]);
    expect((await publish("demo", "1.0.1", bearer(token), "10.1.2.3")).statusCode).toBe(201);
    const scoped = await publish("other", "1.0.1", bearer(token), "10.1.2.3");
    expect([scoped.statusCode, scoped.json().error]).toEqual([
      403,
      expect.stringMatching(/not scoped to project 'other'/),
    ]);
  });

  it("scope tokens cover the scope's packages, including ones published later", async () => {
    const pub = async (name: string, v: string, h: Record<string, string>) =>
      t.app.inject({
        method: "PUT",
        url: `/npm/${name.replace("/", "%2f")}`,
        payload: await publishBody(name, v),
        headers: h,
      });
    expect((await pub("@alice/a", "1.0.0", auth)).statusCode).toBe(201);
    const { token } = (await create({ scopes: ["@alice"] })).json();
    expect((await pub("@alice/b", "1.0.0", auth)).statusCode).toBe(201);
    expect((await pub("@alice/a", "1.0.1", bearer(token))).statusCode).toBe(201);
    expect((await pub("@alice/b", "1.0.1", bearer(token))).statusCode).toBe(201);
    expect((await pub("unscoped-x", "1.0.0", bearer(token))).statusCode).toBe(403);
  });
});
