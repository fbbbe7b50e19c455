import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../../accounts/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody, stored } from "./test-fixtures.js";

const PASSWORD = "correct horse battery";
const path = (url: string) => new URL(url).pathname;

describe.each(testDatabases())("npm login, adduser, web login and browser confirmation on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  const couch = (name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: "PUT",
      url: `/npm/-/user/org.couchdb.user:${name}`,
      payload: { _id: `org.couchdb.user:${name}`, name, type: "user", roles: [], ...body },
      headers,
    });
  const whoami = (token: string) =>
    t.app.inject({ url: "/npm/-/whoami", headers: { authorization: `Bearer ${token}` } });

  it("logs in with a password (the token lands in the shared store), and logs out", async () => {
    await npmUser(t, "alice");
    const wrong = await couch("alice", { password: "wrong password!" });
    expect([wrong.statusCode, wrong.json().error]).toEqual([401, "The username or password is not correct."]);
    const ok = await couch("alice", { password: PASSWORD });
    expect(ok.statusCode).toBe(201);
    const { token } = ok.json();
    expect((await whoami(token)).json()).toEqual({ username: "alice" });
    const names = (await t.deps.db.selectFrom("api_tokens").select("name").execute()).map((r) => r.name);
    expect(names.some((n) => n.startsWith("npm login "))).toBe(true);
    const out = await t.app.inject({
      method: "DELETE",
      url: `/npm/-/user/token/${token}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    const after = await whoami(token);
    expect([after.statusCode, after.json().error]).toEqual([
      401,
      expect.stringMatching(/revoked.*npm login/),
    ]);
  });

  it("adduser registers when registration is open, and not when it is closed", async () => {
    const made = await couch("newbie", { password: "a long enough password 1", email: "newbie@example.com" });
    expect(made.statusCode, made.body).toBe(201);
    expect((await whoami(made.json().token)).json()).toEqual({ username: "newbie" });
    // Unverified: may log in, may not publish yet (the mail has the link).
    const pub = await t.app.inject({
      method: "PUT",
      url: "/npm/x-newbie",
      payload: await publishBody("x-newbie", "1.0.0"),
      headers: { authorization: `Bearer ${made.json().token}` },
    });
    expect([pub.statusCode, pub.json().error]).toEqual([
      403,
      expect.stringMatching(/Verify your account's email/),
    ]);
    await t.close();
    t = await createTestApp(kind, { registration: "closed" });
    const closed = await couch("other", { password: "a long enough password 1", email: "other@example.com" });
    expect([closed.statusCode, closed.json().error]).toEqual([
      403,
      expect.stringMatching(/Registration is closed/),
    ]);
  });

  it("web login: 202 until the person signs in and confirms in the browser, then the token once", async () => {
    await npmUser(t, "alice");
    const start = await t.app.inject({ method: "POST", url: "/npm/-/v1/login", payload: {} });
    const { loginUrl, doneUrl } = start.json();
    const pending = await t.app.inject({ url: path(doneUrl) });
    expect([pending.statusCode, pending.headers["retry-after"]]).toEqual([202, "1"]);

    const browser = new FormClient(t.app);
    const first = await browser.get(path(loginUrl));
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/account/login?next=${encodeURIComponent(path(loginUrl))}`);
    await browser.get(first.headers.location as string);
    const signedIn = await browser.post(first.headers.location as string, {
      username: "alice",
      password: PASSWORD,
    });
    expect(signedIn.headers.location).toBe(path(loginUrl));
    const page = await browser.get(path(loginUrl));
    expect(page.body).toContain("sign in to the npm command line");
    await browser.post(path(loginUrl), { answer: "confirm" });
    expect(browser.last?.body).toContain("Return to your terminal");

    // doneUrl copied out of a log is no use elsewhere: only the address that started the login collects.
    expect((await t.app.inject({ url: path(doneUrl), remoteAddress: "10.9.9.9" })).statusCode).toBe(404);
    const done = await t.app.inject({ url: path(doneUrl) });
    expect(done.statusCode).toBe(200);
    expect((await whoami(done.json().token)).json()).toEqual({ username: "alice" });
    expect((await t.app.inject({ url: path(doneUrl) })).statusCode).toBe(404);
    // Guessing the secret half of doneUrl gets nothing.
    const id = path(doneUrl).split("/")[5];
    expect((await t.app.inject({ url: `/npm/-/v1/done/${id}/not-the-secret` })).statusCode).toBe(404);
  });

  it("a security-key user confirms a publish in the browser; the one-time token works once, for that request", async () => {
    const { user, auth } = await npmUser(t, "keyholder");
    await t.deps.db
      .insertInto("webauthn_credentials")
      .values({
        id: "k1",
        user_id: user.id,
        credential_id: "cred",
        public_key: "pk",
        counter: 0,
        transports: "[]",
        aaguid: "",
        backup_eligible: 0,
        backup_state: 0,
        is_passkey: 0,
        label: "Blue key",
        created_at: t.clock.now(),
        last_used_at: null,
      })
      .execute();
    const body = await publishBody("demo", "1.0.0");
    const put = (headers: Record<string, string>, b: unknown = body, name = "demo") =>
      t.app.inject({
        method: "PUT",
        url: `/npm/${escaped(name)}`,
        payload: b as object,
        headers: { ...auth, ...headers },
      });
    const challenge = await put({});
    expect([challenge.statusCode, challenge.headers["www-authenticate"]]).toEqual([401, "OTP"]);
    const { authUrl, doneUrl } = challenge.json();
    expect(authUrl).toMatch(/\/npm-cli\/confirm\//);

    const browser = new FormClient(t.app);
    const { cookie, session } = await startSession(t.deps, { ip: "127.0.0.1" }, user, {
      method: "webauthn",
      phishingResistant: true,
    });
    browser.cookies.set("wharf_session", cookie);
    await t.deps.db
      .updateTable("sessions")
      .set({ sudo_until: null })
      .where("id_hash", "=", session.idHash)
      .execute();
    const gate = await browser.get(path(authUrl));
    expect(gate.headers.location).toBe(`/account/sudo?next=${encodeURIComponent(path(authUrl))}`);
    await t.deps.db
      .updateTable("sessions")
      .set({ sudo_until: t.clock.now() + 60_000 })
      .where("id_hash", "=", session.idHash)
      .execute();
    expect((await browser.get(path(authUrl))).body).toContain("publish demo@1.0.0");
    expect((await t.app.inject({ url: path(doneUrl) })).statusCode).toBe(202);
    await browser.post(path(authUrl), { answer: "confirm" });
    const { token } = (await t.app.inject({ url: path(doneUrl) })).json();
    expect(token).toMatch(/^webotp_/);

    // Bound to the request it was made for: another package's publish cannot use it.
    const elsewhere = await put({ "npm-otp": token }, await publishBody("other", "1.0.0"), "other");
    expect(elsewhere.statusCode).toBe(401);
    expect((await put({ "npm-otp": token })).statusCode).toBe(201);
    expect((await put({ "npm-otp": token }, await publishBody("demo", "1.0.1"))).statusCode).toBe(401);
    expect(await stored(t)).toMatchObject({ releases: 1 });
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("user_id", "=", user.id)
      .execute();
    expect(events.map((e) => e.type)).toContain("cli.web_auth_confirmed");
  });
});
