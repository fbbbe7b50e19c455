import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";

// Threats against sign-up, sign-in and sessions: CSRF, enumeration, brute force, fixation,
// look-alike usernames, open redirects, half-created accounts.
describe.each(testDatabases())("account security on %s", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    web = new FormClient(t.app);
    await web.get("/account/register");
  });
  afterEach(() => t.close());

  const userCount = async () => (await t.deps.db.selectFrom("users").select("id").execute()).length;
  const good = { username: "alice", email: "alice@example.com", password: "correct horse battery" };

  it("refuses a form posted without a CSRF token and creates nothing", async () => {
    const res = await web.post("/account/register", { ...good, _csrf: "" });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("Reload the page");
    expect(await userCount()).toBe(0);
  });

  it("refuses a CSRF token that belongs to another browser", async () => {
    const attacker = new FormClient(t.app);
    await attacker.get("/account/register");
    const res = await web.post("/account/register", { ...good, _csrf: attacker.csrf });
    expect(res.statusCode).toBe(403);
    expect(await userCount()).toBe(0);
  });

  it("refuses a form whose Origin is another site", async () => {
    const res = await web.post("/account/register", good, { origin: "https://evil.example" });
    expect(res.statusCode).toBe(403);
    expect(await userCount()).toBe(0);
  });

  it.each([
    ["username", { username: "x".repeat(51) }, "Usernames are 1–50 characters"],
    ["username", { username: "bad name" }, "Usernames are 1–50 characters"],
    ["username", { username: "-dash" }, "Usernames are 1–50 characters"],
    ["username", { username: "" }, "Usernames are 1–50 characters"],
    ["email", { email: "not-an-email" }, "Enter a valid email address"],
    ["email", { email: `${"a".repeat(250)}@example.com` }, "Enter a valid email address"],
    ["password", { password: "short" }, "at least 8 characters"],
    ["password", { password: "p".repeat(4097) }, "at most 4096 characters"],
    ["password", { password: "password123" }, "most commonly used passwords"],
    ["password", { password: "Alice@Example.com" }, "must not be your username or email"],
  ])(
    "puts a clear message beside %s for bad input and creates nothing (%#)",
    async (field, patch, message) => {
      const res = await web.post("/account/register", { ...good, ...patch });
      expect(res.statusCode).toBe(400);
      expect(textOf(res.body, `${field}-error`)).toContain(message);
      expect(await userCount()).toBe(0);
    },
  );

  it("answers an absurdly long field with a 400 page and creates nothing", async () => {
    const res = await web.post("/account/register", { ...good, username: "y".repeat(20_001) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("far too long");
    expect(await userCount()).toBe(0);
  });

  it("refuses a field sent twice", async () => {
    const body = `_csrf=${encodeURIComponent(web.csrf)}&username=a&username=b&email=a%40b.co&password=correct+horse+battery`;
    const res = await t.app.inject({
      method: "POST",
      url: "/account/register",
      payload: body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(await userCount()).toBe(0);
  });

  it("keeps the typed username and email but never echoes the password", async () => {
    const res = await web.post("/account/register", { ...good, password: "short" });
    expect(res.body).toContain('value="alice"');
    expect(res.body).toContain('value="alice@example.com"');
    expect(res.body).not.toContain('value="short"');
  });

  it("refuses a username differing only by case or by Unicode compatibility form", async () => {
    await web.post("/account/register", good);
    const other = new FormClient(t.app);
    await other.get("/account/register");
    const upper = await other.post("/account/register", {
      ...good,
      username: "ALICE",
      email: "b@example.com",
    });
    expect(upper.statusCode).toBe(409);
    expect(textOf(upper.body, "username-error")).toBe("This username is already taken.");
    const fullwidth = await other.post("/account/register", {
      ...good,
      username: "ａｌｉｃｅ",
      email: "c@example.com",
    });
    expect(fullwidth.statusCode).toBe(400);
    expect(textOf(fullwidth.body, "username-error")).toContain("ASCII letters");
    expect(await userCount()).toBe(1);
  });

  it("limits sign-in attempts per account to 10 in 5 minutes across IPs, answering 429 with Retry-After", async () => {
    await web.post("/account/register", good);
    for (let i = 0; i < 10; i++) {
      const c = new FormClient(t.app, `10.0.0.${i + 1}`);
      await c.get("/account/login");
      expect(
        (await c.post("/account/login", { username: "alice", password: "wrong password" })).statusCode,
      ).toBe(401);
    }
    const c = new FormClient(t.app, "10.0.1.1");
    await c.get("/account/login");
    const res = await c.post("/account/login", { username: "alice", password: "correct horse battery" });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    expect(res.body).toContain("Too many attempts");
  });

  it("counts username and email attempts against one account budget, and never charges a success", async () => {
    await web.post("/account/register", good);
    for (let i = 0; i < 12; i++) {
      const c = new FormClient(t.app, `10.7.0.${i + 1}`);
      await c.get("/account/login");
      expect(
        (await c.post("/account/login", { username: "alice", password: "correct horse battery" })).statusCode,
      ).toBe(303);
    }
    for (let i = 0; i < 10; i++) {
      const c = new FormClient(t.app, `10.8.0.${i + 1}`);
      await c.get("/account/login");
      await c.post("/account/login", {
        username: i % 2 ? "alice" : "ALICE@example.com",
        password: "wrong password",
      });
    }
    const c = new FormClient(t.app, "10.8.1.1");
    await c.get("/account/login");
    expect(
      (await c.post("/account/login", { username: "alice@example.com", password: "wrong password" }))
        .statusCode,
    ).toBe(429);
  });

  it("limits sign-in attempts per IP to 10 in 5 minutes across accounts", async () => {
    const c = new FormClient(t.app, "10.9.9.9");
    await c.get("/account/login");
    for (let i = 0; i < 10; i++)
      await c.post("/account/login", { username: `user${i}`, password: "wrong password" });
    const res = await c.post("/account/login", { username: "someone-else", password: "wrong password" });
    expect(res.statusCode).toBe(429);
  });

  it("limits password-reset requests so the form cannot flood a mailbox", async () => {
    await web.post("/account/register", good);
    const before = (await t.outbox()).length;
    const c = new FormClient(t.app, "10.1.1.1");
    await c.get("/account/forgot-password");
    for (let i = 0; i < 5; i++)
      expect((await c.post("/account/forgot-password", { login: "alice" })).statusCode).toBe(200);
    const res = await c.post("/account/forgot-password", { login: "alice" });
    expect(res.statusCode).toBe(429);
    expect((await t.outbox()).length - before).toBe(5);
  });

  it("stores only a hash of the session id and sets HttpOnly, SameSite=Lax cookies", async () => {
    const res = await web.post("/account/register", good);
    const cookie = (
      res.cookies as Array<{ name: string; value: string; httpOnly?: boolean; sameSite?: string }>
    ).find((c) => c.name === "wharf_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");
    const rows = await t.deps.db.selectFrom("sessions").select("id_hash").execute();
    expect(rows.map((r) => r.id_hash)).not.toContain(cookie.value);
  });

  it("ignores an off-site next= after sign-in (no open redirect)", async () => {
    await web.post("/account/register", good);
    await web.post("/account/logout", {});
    for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const c = new FormClient(t.app, "10.3.3.3");
      await c.get("/account/login");
      const res = await c.post(`/account/login?next=${encodeURIComponent(next)}`, {
        username: "alice",
        password: "correct horse battery",
      });
      expect(res.headers.location).toBe("/account/");
    }
  });

  it("refuses sign-in to a frozen account", async () => {
    await web.post("/account/register", good);
    await t.deps.db.updateTable("users").set({ is_frozen: 1 }).execute();
    const c = new FormClient(t.app, "10.4.4.4");
    await c.get("/account/login");
    const res = await c.post("/account/login", { username: "alice", password: "correct horse battery" });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("frozen");
  });

  it("does not let a reset link for one purpose verify an email (purpose-bound signatures)", async () => {
    await web.post("/account/register", good);
    const c = new FormClient(t.app, "10.5.5.5");
    await c.get("/account/forgot-password");
    await c.post("/account/forgot-password", { login: "alice" });
    const mail = (await t.outbox()).find((m) => m.subject.includes("Reset"))!;
    const token = /token=([^\s]+)/.exec(mail.text)![1]!;
    const res = await c.post("/account/verify-email", { token: decodeURIComponent(token) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("not valid");
  });
});

describe("cookies on an https origin", () => {
  it("are Secure and __Host- prefixed", async () => {
    const t = await createTestApp("sqlite", { origin: "https://registry.example", secureCookies: true });
    try {
      const web = new FormClient(t.app);
      const res = await web.get("/account/register");
      const anon = (res.cookies as Array<{ name: string; secure?: boolean }>).find(
        (c) => c.name === "__Host-wharf_anon",
      )!;
      expect(anon.secure).toBe(true);
    } finally {
      await t.close();
    }
  });
});
