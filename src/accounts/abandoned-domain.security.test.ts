/**
 * Issue 11 HIGH 4: an operator marked a lapsed email domain abandoned; whoever re-registers it receives
 * its mail. No mail that grants access (reset, verification, email change, recovery) may go there,
 * and the pages answer exactly as for an unknown account.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin } from "../admin/test-helpers.js";
import { findLink } from "../mail/index.js";
import { markAbandoned } from "../recovery/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { registerUser } from "./index.js";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("abandoned email domains on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    for (const [username, email] of [
      ["ann", "ann@lapsed.example"],
      ["ben", "ben@mail.lapsed.example"],
      ["cat", "cat@fine.example"],
    ] as const)
      await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        { username, email, password: PASSWORD, verified: true },
        { viaOperator: true },
      );
  });
  afterEach(() => t.close());

  const mark = () => markAbandoned(t.deps.db, t.clock.now(), "lapsed.example", "lapsed", "admin");
  const refusals = () =>
    t.deps.db
      .selectFrom("events")
      .select("data")
      .where("type", "=", "mail.refused_abandoned_domain")
      .execute();
  const forgot = async (login: string) => {
    const web = new FormClient(t.app, `198.51.100.${Math.floor(Math.random() * 200) + 1}`);
    await web.get("/account/forgot-password");
    return web.post("/account/forgot-password", { login });
  };

  it("forgot-password for an account on an abandoned domain (or a subdomain) sends nothing and answers as for nobody", async () => {
    await mark();
    const unknown = await forgot("nobody");
    for (const login of ["ann", "ben@mail.lapsed.example"]) {
      const res = await forgot(login);
      expect(res.statusCode).toBe(unknown.statusCode);
      expect(textOf(res.body, "reset-sent")).toBe(textOf(unknown.body, "reset-sent"));
    }
    expect(await t.outbox()).toEqual([]);
    const events = await refusals();
    expect(events.map((e) => JSON.parse(e.data).purpose)).toEqual(["reset_password", "reset_password"]);
    // The rule is the domain's, not everyone's: an address elsewhere still gets its link.
    await forgot("cat");
    expect((await t.outbox()).map((m) => m.to)).toEqual(["cat@fine.example"]);
  });

  it("a reset link mailed before the domain was marked no longer resets the password", async () => {
    await forgot("ann");
    const mail = (await t.outbox()).find((m) => m.to === "ann@lapsed.example");
    const url = new URL(findLink(mail!.text, "/account/reset-password")!);
    await mark();
    const web = new FormClient(t.app);
    expect((await web.get(url.pathname + url.search)).statusCode).toBe(400);
    await web.get("/account/forgot-password"); // a page with a form, for the CSRF token
    const res = await web.post("/account/reset-password", {
      token: url.searchParams.get("token")!,
      password: "a brand new password",
    });
    expect(res.statusCode).toBe(400);
    const row = await t.deps.db
      .selectFrom("users")
      .select("password_changed_at")
      .where("username", "=", "ann")
      .executeTakeFirstOrThrow();
    expect(row.password_changed_at).toBe(t.clock.now());
  });

  it("a verification link mailed before the domain was marked no longer verifies the address", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/register");
    await web.post("/account/register", { username: "eve", email: "eve@lapsed.example", password: PASSWORD });
    const mail = (await t.outbox()).find((m) => m.to === "eve@lapsed.example");
    const url = new URL(findLink(mail!.text, "/account/verify-email")!);
    await mark();
    await web.get(url.pathname + url.search);
    const res = await web.post("/account/verify-email", { token: url.searchParams.get("token")! });
    expect(res.statusCode).toBe(400);
    const row = await t.deps.db
      .selectFrom("users")
      .select("email_verified_at")
      .where("username", "=", "eve")
      .executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeNull();
  });

  it("registration at an abandoned domain creates the account but mails no verification link", async () => {
    await mark();
    const web = new FormClient(t.app);
    await web.get("/account/register");
    const res = await web.post("/account/register", {
      username: "dan",
      email: "dan@lapsed.example",
      password: PASSWORD,
    });
    expect(res.statusCode).toBe(303);
    expect(await t.outbox()).toEqual([]);
    expect((await refusals()).map((e) => JSON.parse(e.data).purpose)).toEqual(["verify_email"]);
  });

  it("an email change to an abandoned domain is refused beside the field, and no link is mailed", async () => {
    await mark();
    const web = new FormClient(t.app);
    await web.get("/account/login");
    await web.post("/account/login", { username: "cat", password: PASSWORD });
    const page = await web.get("/account/");
    expect(page.statusCode).toBe(200);
    const res = await web.post("/account/email", { email: "cat@lapsed.example" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "email-error")).toContain("no longer sends account mail to this domain");
    expect(await t.outbox()).toEqual([]);
  });

  it("the console's abandoned-domains page says that no access mail goes there", async () => {
    const { web } = await signedInAdmin(t);
    const page = await web.get("/admin/domains");
    expect(page.body).toContain("no mail that grants");
    expect(page.body).toContain("password-reset");
  });
});
