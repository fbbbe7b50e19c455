import { HOTP, Secret } from "otpauth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMandate } from "../../mandates/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("npm profile enable-2fa and the second factor on writes on %s", (kind) => {
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

  const call = (
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        ...auth,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const code = (secret: string) =>
    HOTP.generate({
      secret: Secret.fromBase32(secret),
      counter: Math.floor(t.clock.now() / 30_000),
      digits: 6,
    });
  const publish = async (version: string, otp?: string) =>
    call("PUT", `/npm/${escaped("demo")}`, await publishBody("demo", version), otp ? { "npm-otp": otp } : {});

  async function enable(mode: "auth-only" | "auth-and-writes") {
    const start = await call("POST", "/npm/-/npm/v1/user", { tfa: { password: PASSWORD, mode } });
    expect(start.statusCode, start.body).toBe(200);
    const uri: string = start.json().tfa;
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect((await call("GET", "/npm/-/npm/v1/user")).json().tfa).toEqual({ mode, pending: true });
    const secret = new URL(uri).searchParams.get("secret")!;
    const done = await call("POST", "/npm/-/npm/v1/user", { tfa: [code(secret)] });
    expect(done.statusCode, done.body).toBe(200);
    const codes: string[] = done.json().tfa;
    expect(codes).toHaveLength(10);
    t.clock.advance(30_000);
    return { secret, codes };
  }

  it("enables 2FA with the web's TOTP, recovery codes and events, then asks for it on writes", async () => {
    const { secret, codes } = await enable("auth-and-writes");
    expect((await call("GET", "/npm/-/npm/v1/user")).json().tfa).toEqual({
      mode: "auth-and-writes",
      pending: false,
    });
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("user_id", "=", userId)
      .execute();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["mfa.totp_added", "mfa.recovery_codes_generated"]),
    );
    expect(await t.deps.db.selectFrom("totp_credentials").selectAll().execute()).toHaveLength(1);

    const without = await publish("1.0.0");
    expect(without.statusCode).toBe(401);
    expect(without.headers["www-authenticate"]).toBe("OTP");
    expect(without.json().error).toMatch(/one-time password/);
    expect(await stored(t)).toMatchObject({ projects: 0, files: 0 });

    const otp = code(secret);
    expect((await publish("1.0.0", otp)).statusCode).toBe(201);
    const replay = await publish("1.0.1", otp);
    expect(replay.statusCode).toBe(401);
    expect(replay.headers["npm-notice"]).toMatch(/already used/);
    const wrong = await publish("1.0.1", "000000");
    expect(wrong.statusCode).toBe(401);

    expect((await publish("1.0.1", codes[0])).statusCode).toBe(201);
    const reused = await publish("1.0.2", codes[0]);
    expect([reused.statusCode, reused.headers["npm-notice"]]).toEqual([
      401,
      expect.stringMatching(/recovery code/),
    ]);
  });

  it("auth-only asks at login and for tokens, not for publishing", async () => {
    const { secret } = await enable("auth-only");
    expect((await publish("1.0.0")).statusCode).toBe(201);
    const login = () =>
      t.app.inject({
        method: "PUT",
        url: "/npm/-/user/org.couchdb.user:alice",
        payload: { name: "alice", password: PASSWORD },
        headers: {},
      });
    const first = await login();
    expect([first.statusCode, first.headers["www-authenticate"]]).toEqual([401, "OTP"]);
    const ok = await t.app.inject({
      method: "PUT",
      url: "/npm/-/user/org.couchdb.user:alice",
      payload: { name: "alice", password: PASSWORD },
      headers: { "npm-otp": code(secret) },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().token).toMatch(/^wharf_/);
    const token = await call("POST", "/npm/-/npm/v1/tokens", { password: PASSWORD, name: "ci" });
    expect([token.statusCode, token.headers["www-authenticate"]]).toEqual([401, "OTP"]);
  });

  it("bypass-2FA tokens skip the OTP unless the package requires it with mfa=publish", async () => {
    const { secret } = await enable("auth-and-writes");
    const created = await call(
      "POST",
      "/npm/-/npm/v1/tokens",
      { password: PASSWORD, name: "ci", bypass_2fa: true },
      { "npm-otp": code(secret) },
    );
    expect(created.statusCode, created.body).toBe(201);
    const ci = { authorization: `Bearer ${created.json().token}` };
    const viaCi = async (v: string) =>
      t.app.inject({ method: "PUT", url: "/npm/demo", payload: await publishBody("demo", v), headers: ci });
    expect((await viaCi("1.0.0")).statusCode).toBe(201);
    t.clock.advance(30_000);
    const auto = await call(
      "POST",
      "/npm/-/package/demo/access",
      { publish_requires_tfa: true, automation_token_overrides_tfa: true },
      { "npm-otp": code(secret) },
    );
    expect(auto.statusCode, auto.body).toBe(200);
    expect((await viaCi("1.0.1")).statusCode).toBe(201);
    t.clock.advance(30_000);
    await call(
      "POST",
      "/npm/-/package/demo/access",
      { publish_requires_tfa: true, automation_token_overrides_tfa: false },
      { "npm-otp": code(secret) },
    );
    expect((await call("GET", "/npm/-/package/demo/access")).json()).toEqual({
      publish_requires_tfa: true,
      automation_token_overrides_tfa: false,
    });
    const refused = await viaCi("1.0.2");
    expect([refused.statusCode, refused.headers["www-authenticate"]]).toEqual([401, "OTP"]);
  });

  it("under a staging mandate a bypass-2FA token's first version needs an OTP, and is not sent to npm stage", async () => {
    const { secret } = await enable("auth-and-writes");
    const created = await call(
      "POST",
      "/npm/-/npm/v1/tokens",
      { password: PASSWORD, name: "ci", bypass_2fa: true },
      { "npm-otp": code(secret) },
    );
    const ci = { authorization: `Bearer ${created.json().token}` };
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Approve token releases",
      cohort: "all-projects",
      staging: "any",
      noticeAt: now - 3,
      warnAt: now - 2,
      enforceAt: now - 1,
    });
    t.clock.advance(30_000);
    const viaCi = async (v: string, otp?: string) =>
      t.app.inject({
        method: "PUT",
        url: "/npm/demo",
        payload: await publishBody("demo", v),
        headers: { ...ci, ...(otp ? { "npm-otp": otp } : {}) },
      });
    const refused = await viaCi("1.0.0");
    expect([refused.statusCode, refused.headers["www-authenticate"]]).toEqual([401, "OTP"]);
    expect(JSON.stringify(refused.json())).toContain(
      "a first version cannot be staged, publish it with a second factor",
    );
    expect(JSON.stringify(refused.json())).not.toContain("npm stage publish");
    // The stage endpoint says the same: only versions of existing packages are staged.
    const staged = await t.app.inject({
      method: "POST",
      url: "/npm/-/stage/package/demo",
      payload: await publishBody("demo", "1.0.0"),
      headers: ci,
    });
    expect(staged.statusCode).toBe(404);
    expect(staged.json().error).toMatch(/Only a new version of an existing package can be staged/);
    // With the OTP the person is in the loop: it publishes directly.
    expect((await viaCi("1.0.0", code(secret))).statusCode).toBe(201);
  });

  it("mode changes and disable-2fa need the password and a code", async () => {
    const { secret } = await enable("auth-and-writes");
    const change = await call("POST", "/npm/-/npm/v1/user", {
      tfa: { password: PASSWORD, mode: "auth-only" },
    });
    expect(change.statusCode).toBe(401);
    const changed = await call(
      "POST",
      "/npm/-/npm/v1/user",
      { tfa: { password: PASSWORD, mode: "auth-only" } },
      { "npm-otp": code(secret) },
    );
    expect(changed.json()).toEqual({ tfa: { mode: "auth-only", pending: false } });
    t.clock.advance(30_000);
    const badPassword = await call(
      "POST",
      "/npm/-/npm/v1/user",
      { tfa: { password: "nope", mode: "disable" } },
      { "npm-otp": code(secret) },
    );
    expect(badPassword.statusCode).toBe(403);
    const off = await call(
      "POST",
      "/npm/-/npm/v1/user",
      { tfa: { password: PASSWORD, mode: "disable" } },
      { "npm-otp": code(secret) },
    );
    expect(off.json()).toEqual({ tfa: false });
    expect((await call("GET", "/npm/-/npm/v1/user")).json().tfa).toBe(false);
    expect(await t.deps.db.selectFrom("recovery_codes").selectAll().execute()).toHaveLength(0);
  });

  it("set password needs the old password and, with 2FA, a code; it ends every browser session", async () => {
    const { secret } = await enable("auth-only");
    const change = { password: { old: PASSWORD, new: "a brand new passphrase 42" } };
    expect((await call("POST", "/npm/-/npm/v1/user", change)).statusCode).toBe(401);
    const wrongOld = await call(
      "POST",
      "/npm/-/npm/v1/user",
      { password: { old: "not it", new: "a brand new passphrase 42" } },
      { "npm-otp": code(secret) },
    );
    expect(wrongOld.statusCode).toBe(400);
    t.clock.advance(30_000);
    const ok = await call("POST", "/npm/-/npm/v1/user", change, { "npm-otp": code(secret) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().name).toBe("alice");
    const login = await t.app.inject({
      method: "PUT",
      url: "/npm/-/user/org.couchdb.user:alice",
      payload: { name: "alice", password: "a brand new passphrase 42" },
    });
    expect([login.statusCode, login.headers["www-authenticate"]]).toEqual([401, "OTP"]);
    const email = await call("POST", "/npm/-/npm/v1/user", { email: "other@example.com" });
    expect([email.statusCode, email.json().error]).toEqual([400, expect.stringMatching(/account/)]);
  });
});
