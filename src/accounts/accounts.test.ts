import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLink } from "../mail/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";

describe.each(testDatabases())("accounts on %s", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    web = new FormClient(t.app);
    await web.get("/account/register");
  });
  afterEach(() => t.close());

  async function register(
    username = "alice",
    email = "alice@example.com",
    password = "correct horse battery",
  ) {
    await web.get("/account/register");
    return web.post("/account/register", { username, email, password });
  }

  it("registers, signs the new user in and mails a verification link that verifies the address", async () => {
    const res = await register();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/account/protect");
    const settings = await web.get("/account/");
    expect(settings.body).toContain("alice@example.com");
    expect(settings.body).toContain("not verified");
    const [mail] = await t.outbox();
    expect(mail?.to).toContain("alice@example.com");
    const link = findLink(mail!.text, "/account/verify-email")!;
    const path = new URL(link).pathname + new URL(link).search;
    const confirm = await web.get(path);
    expect(confirm.body).toContain("Verify email address");
    const token = new URL(link).searchParams.get("token")!;
    const done = await web.post("/account/verify-email", { token });
    expect(done.statusCode).toBe(303);
    expect((await web.get("/account/")).body).toContain(">verified<");
  });

  it("refuses a reused verification link", async () => {
    await register();
    const token = new URL(findLink((await t.outbox())[0]!.text, "/account/verify-email")!).searchParams.get(
      "token",
    )!;
    await web.get("/account/");
    expect((await web.post("/account/verify-email", { token })).statusCode).toBe(303);
    await web.get("/account/");
    const again = await web.post("/account/verify-email", { token });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain("already been used");
  });

  it("refuses an expired verification link and leaves the address unverified", async () => {
    await register();
    const token = new URL(findLink((await t.outbox())[0]!.text, "/account/verify-email")!).searchParams.get(
      "token",
    )!;
    t.clock.advance(25 * 3600_000);
    const fresh = new FormClient(t.app);
    await fresh.get("/account/login");
    const res = await fresh.post("/account/verify-email", { token });
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain("expired");
    const row = await t.deps.db.selectFrom("users").select("email_verified_at").executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeNull();
  });

  it("signs in by username or email, case-insensitively, and rotates the session id", async () => {
    await register();
    const firstSession = web.cookies.get("wharf_session");
    await web.get("/account/");
    const res = await web.post("/account/login", {
      username: "ALICE@example.com",
      password: "correct horse battery",
    });
    expect(res.statusCode).toBe(303);
    expect(web.cookies.get("wharf_session")).not.toBe(firstSession);
    // The old id no longer works anywhere.
    const stale = new FormClient(t.app);
    stale.cookies.set("wharf_session", firstSession!);
    expect((await stale.get("/account/")).statusCode).toBe(303);
  });

  it("shows one message beside the password field for a wrong password and for an unknown user", async () => {
    await register();
    const other = new FormClient(t.app);
    await other.get("/account/login");
    const wrong = await other.post("/account/login", { username: "alice", password: "not the password" });
    expect(wrong.statusCode).toBe(401);
    expect(textOf(wrong.body, "password-error")).toBe("The username or password is not correct.");
    const unknown = await other.post("/account/login", { username: "nobody", password: "not the password" });
    expect(textOf(unknown.body, "password-error")).toBe("The username or password is not correct.");
  });

  it("changes the password, ends other sessions, emails the owner and records it", async () => {
    await register();
    const elsewhere = new FormClient(t.app);
    await elsewhere.get("/account/login");
    await elsewhere.post("/account/login", { username: "alice", password: "correct horse battery" });
    expect((await elsewhere.get("/account/")).statusCode).toBe(200);
    await web.get("/account/");
    const res = await web.post("/account/password", {
      current_password: "correct horse battery",
      new_password: "a brand new passphrase",
    });
    expect(res.statusCode).toBe(303);
    expect((await elsewhere.get("/account/")).statusCode).toBe(303);
    expect((await web.get("/account/")).statusCode).toBe(200);
    const mails = await t.outbox();
    expect(mails.some((m) => m.subject.includes("Your password was changed"))).toBe(true);
    const history = await web.get("/account/security-history");
    expect(history.body).toContain('data-event="password.changed"');
  });

  it("puts the error beside the field when the current password is wrong, and changes nothing", async () => {
    await register();
    await web.get("/account/");
    const res = await web.post("/account/password", {
      current_password: "wrong one!",
      new_password: "a brand new passphrase",
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "current_password-error")).toBe("The current password is not correct.");
    await web.post("/account/logout", {});
    await web.get("/account/login");
    expect(
      (await web.post("/account/login", { username: "alice", password: "correct horse battery" })).statusCode,
    ).toBe(303);
  });

  it("resets a forgotten password by a single-use emailed link and signs out every session", async () => {
    await register();
    const anon = new FormClient(t.app);
    await anon.get("/account/forgot-password");
    const sent = await anon.post("/account/forgot-password", { login: "alice" });
    expect(sent.body).toContain("If an account matches");
    const mail = (await t.outbox()).find((m) => m.subject.includes("Reset your password"))!;
    const token = new URL(findLink(mail.text, "/account/reset-password")!).searchParams.get("token")!;
    const form = await anon.get(`/account/reset-password?token=${encodeURIComponent(token)}`);
    expect(form.body).toContain("alice");
    expect(
      (await anon.post("/account/reset-password", { token, password: "an entirely new secret" })).statusCode,
    ).toBe(303);
    expect((await web.get("/account/")).statusCode).toBe(303);
    const reuse = await anon.post("/account/reset-password", { token, password: "yet another new secret" });
    expect(reuse.statusCode).toBe(410);
    await anon.get("/account/login");
    expect(
      (await anon.post("/account/login", { username: "alice", password: "an entirely new secret" }))
        .statusCode,
    ).toBe(303);
  });

  it("answers a reset request for an unknown account exactly as for a known one, and sends nothing", async () => {
    const anon = new FormClient(t.app);
    await anon.get("/account/forgot-password");
    const res = await anon.post("/account/forgot-password", { login: "ghost@example.com" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("If an account matches");
    expect(await t.outbox()).toHaveLength(0);
  });

  it("changes the email only after sudo and a link sent to the new address, telling the old one", async () => {
    await register();
    t.clock.advance(16 * 60_000); // the sudo window opened by registration's sign-in has closed
    await web.get("/account/");
    const first = await web.post("/account/email", { email: "new@example.com" });
    expect(first.headers.location).toContain("/account/sudo");
    await web.get("/account/sudo?next=/account/");
    const wrong = await web.post("/account/sudo?next=/account/", { password: "nope nope nope" });
    expect(textOf(wrong.body, "password-error")).toBe("The password is not correct.");
    expect(
      (await web.post("/account/sudo?next=/account/", { password: "correct horse battery" })).statusCode,
    ).toBe(303);
    await web.get("/account/");
    expect((await web.post("/account/email", { email: "new@example.com" })).statusCode).toBe(303);
    let mails = await t.outbox();
    expect(
      mails.find((m) => m.to.includes("alice@example.com") && m.subject.includes("is being changed")),
    ).toBeTruthy();
    const confirm = mails.find((m) => m.to.includes("new@example.com"))!;
    const token = new URL(findLink(confirm.text, "/account/confirm-email")!).searchParams.get("token")!;
    await web.get("/account/");
    expect((await web.post("/account/confirm-email", { token })).statusCode).toBe(303);
    const settings = await web.get("/account/");
    expect(settings.body).toContain("new@example.com");
    mails = await t.outbox();
    expect(
      mails.filter((m) => m.subject.includes("was changed") && m.subject.includes("email")),
    ).toHaveLength(2);
  });

  it("lists sessions and signs out another one", async () => {
    await register();
    const other = new FormClient(t.app);
    await other.get("/account/login");
    await other.post("/account/login", { username: "alice", password: "correct horse battery" });
    const page = await web.get("/account/sessions");
    const ids = [...page.body.matchAll(/name="session" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(1);
    await web.post("/account/sessions/revoke", { session: ids[0]! });
    expect((await other.get("/account/")).statusCode).toBe(303);
    expect((await web.get("/account/security-history")).body).toContain('data-event="session.revoked"');
  });

  it("ends a session after the idle limit and after the absolute limit", async () => {
    await register();
    t.clock.advance(t.deps.config.sessionIdleMs + 1000);
    expect((await web.get("/account/")).statusCode).toBe(303);
    await web.get("/account/login");
    await web.post("/account/login", { username: "alice", password: "correct horse battery" });
    for (let elapsed = 0; elapsed < t.deps.config.sessionMaxMs; elapsed += t.deps.config.sessionIdleMs / 2) {
      t.clock.advance(t.deps.config.sessionIdleMs / 2);
      await web.get("/account/");
    }
    expect((await web.get("/account/")).statusCode).toBe(303);
  });
});
