import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { findLink } from "../mail/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";

const BREACHED = "monkey in the harbour 1";
const FRESH = "correct horse battery";
const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex").toUpperCase();
const BREACHED_MSG =
  "This password has appeared in a data breach, so attackers try it first. Choose a different one.";
const UNAVAILABLE_MSG =
  "The password could not be checked against the list of breached passwords just now. Try again in a few minutes.";

/**
 * A small real range API (the HIBP wire format): for any prefix, a few unrelated suffixes, padding
 * lines with count 0, and BREACHED's suffix when the prefix is its own. FRESH's suffix appears only as
 * padding (count 0), which must not count as breached.
 */
function rangeApi(seen: string[]): Server {
  return createServer((req, res) => {
    seen.push(req.url ?? "");
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? "")?.[1];
    if (!prefix) {
      res.writeHead(404).end();
      return;
    }
    const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"];
    if (sha1(BREACHED).startsWith(prefix)) lines.push(`${sha1(BREACHED).slice(5)}:41`);
    if (sha1(FRESH).startsWith(prefix)) lines.push(`${sha1(FRESH).slice(5)}:0`);
    res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
  });
}

describe.each(testDatabases())("breached-password check (k-anonymity range API) on %s", (kind) => {
  const seen: string[] = [];
  let api: Server;
  let url = "";
  let t: TestApp | undefined;
  beforeAll(async () => {
    api = rangeApi(seen);
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/range`;
  });
  afterAll(() => new Promise<void>((r) => api.close(() => r())));
  afterEach(async () => {
    await t?.close();
    t = undefined;
    seen.length = 0;
  });

  async function register(app: TestApp, password: string, username = "alice") {
    const web = new FormClient(app.app);
    await web.get("/account/register");
    const res = await web.post("/account/register", { username, email: `${username}@example.com`, password });
    return { web, res };
  }
  const users = async () => (await t!.deps.db.selectFrom("users").select("username").execute()).length;

  it("refuses a breached password at registration, beside the field, sending only 5 hex chars", async () => {
    t = await createTestApp(kind, { pwnedPasswordsUrl: url });
    const { res } = await register(t, BREACHED);
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "password-error")).toBe(BREACHED_MSG);
    expect(await users()).toBe(0);
    // Only the prefix left the server: never the password, nor the rest of its hash.
    expect(seen).toEqual([`/range/${sha1(BREACHED).slice(0, 5)}`]);
  });

  it("accepts a password that is only a padding entry (count 0) or absent", async () => {
    t = await createTestApp(kind, { pwnedPasswordsUrl: `${url}/` });
    const { res } = await register(t, FRESH);
    expect(res.statusCode).toBe(303);
    expect(await users()).toBe(1);
    expect(seen).toEqual([`/range/${sha1(FRESH).slice(0, 5)}`]);
  });

  it("refuses a breached new password on password change and on reset, changing nothing", async () => {
    t = await createTestApp(kind, { pwnedPasswordsUrl: url });
    const { web } = await register(t, FRESH);
    await web.get("/account/");
    const change = await web.post("/account/password", {
      current_password: FRESH,
      new_password: BREACHED,
    });
    expect(change.statusCode).toBe(400);
    expect(textOf(change.body, "new_password-error")).toBe(BREACHED_MSG);

    const anon = new FormClient(t.app);
    await anon.get("/account/forgot-password");
    await anon.post("/account/forgot-password", { login: "alice" });
    const mail = (await t.outbox()).find((m) => m.subject.includes("Reset your password"))!;
    const token = new URL(findLink(mail.text, "/account/reset-password")!).searchParams.get("token")!;
    await anon.get(`/account/reset-password?token=${encodeURIComponent(token)}`);
    const reset = await anon.post("/account/reset-password", { token, password: BREACHED });
    expect(reset.statusCode).toBe(400);
    expect(textOf(reset.body, "password-error")).toBe(BREACHED_MSG);
    // The old password still signs in: neither form changed it.
    const again = new FormClient(t.app);
    await again.get("/account/login");
    expect((await again.post("/account/login", { username: "alice", password: FRESH })).statusCode).toBe(303);
  });

  it("fails closed when the range API cannot be reached, storing nothing", async () => {
    t = await createTestApp(kind, { pwnedPasswordsUrl: "http://127.0.0.1:1/range" });
    const { res } = await register(t, FRESH);
    expect(res.statusCode).toBe(503);
    expect(textOf(res.body, "password-error")).toBe(UNAVAILABLE_MSG);
    expect(await users()).toBe(0);
  });

  it("fails closed on an error answer too", async () => {
    t = await createTestApp(kind, { pwnedPasswordsUrl: `${url}/nowhere` });
    const { res } = await register(t, FRESH);
    expect(res.statusCode).toBe(503);
    expect(await users()).toBe(0);
  });

  it("with WHARF_PWNED_PASSWORDS_FAIL_OPEN=true, accepts the password unchecked and logs a line", async () => {
    t = await createTestApp(kind, {
      pwnedPasswordsUrl: "http://127.0.0.1:1/range",
      pwnedPasswordsFailOpen: true,
    });
    const warn = vi.spyOn(t.deps.log, "warn");
    const { res } = await register(t, FRESH);
    expect(res.statusCode).toBe(303);
    expect(await users()).toBe(1);
    expect(warn.mock.calls.map((c) => String(c[1]))).toContainEqual(
      expect.stringContaining("breached-password check failed; password accepted unchecked"),
    );
  });

  it("asks nothing when the setting is off (the default)", async () => {
    t = await createTestApp(kind);
    expect(t.deps.config.pwnedPasswordsUrl).toBeUndefined();
    const { res } = await register(t, BREACHED);
    expect(res.statusCode).toBe(303);
    expect(seen).toEqual([]);
  });
});
