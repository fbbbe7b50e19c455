import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { readOutbox } from "../../src/test-support/outbox.js";
import { Authenticators, openDatabase, toBase64url } from "./support/authenticators.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
} from "./support/index.js";

const SUITE = "WebAuthn threats in a real browser: replay, cloned keys, key misuse, CSRF (Chromium)";

interface Captured {
  body: string;
  csrf: string;
}

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  let server: WharfServer | undefined;
  let browser: ChromiumSession | undefined;
  let keys: Authenticators | undefined;
  let db: Database.Database | undefined;
  const username = `target-${randomBytes(3).toString("hex")}`;
  const email = `${username}@example.test`;
  const password = "harbour master ledger 31";

  const at = (path: string) => `${server!.origin}${path}`;
  const userId = () =>
    (db!.prepare("SELECT id FROM users WHERE username = ?").get(username) as { id: string }).id;
  const count = (sql: string) => (db!.prepare(sql).get(userId()) as { n: number }).n;
  const sessions = () => count("SELECT count(*) AS n FROM sessions WHERE user_id = ?");
  const events = (type: string) =>
    (
      db!.prepare("SELECT count(*) AS n FROM events WHERE user_id = ? AND type = ?").get(userId(), type) as {
        n: number;
      }
    ).n;

  async function addKey(p: Page, label: string, button: string): Promise<void> {
    await p.goto(at("/account/two-factor/keys"));
    await p.fill("#label", label);
    await p.getByRole("button", { name: button }).click();
  }

  async function signOut(p: Page): Promise<void> {
    await p.getByRole("button", { name: "Sign out" }).click();
    await p.waitForURL(at("/"));
  }

  async function passwordStep(p: Page): Promise<void> {
    await p.goto(at("/account/login"));
    await p.fill("#username", username);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.waitForURL(/\/account\/login\/two-factor/);
  }

  /** Lets the request through and keeps what an attacker on the wire (or in the page) would copy. */
  async function capture(p: Page, path: string, act: () => Promise<void>): Promise<Captured> {
    let captured: Captured | undefined;
    await p.route(at(path), async (route) => {
      const req = route.request();
      if (req.method() === "POST")
        captured = { body: req.postData() ?? "", csrf: req.headers()["x-csrf-token"] ?? "" };
      await route.continue();
    });
    try {
      await act();
    } finally {
      await p.unroute(at(path));
    }
    if (!captured) throw new Error(`no POST to ${path} was seen`);
    return captured;
  }

  const replay = (p: Page, path: string, c: Captured) =>
    p.request.post(at(path), {
      headers: { "content-type": "application/json", "x-csrf-token": c.csrf },
      data: c.body,
      failOnStatusCode: false,
    });

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    browser = await launchChromium();
    keys = await Authenticators.enable(browser.context, browser.page);
    db = openDatabase(server.dataDir);
    const p = browser.page;
    await p.goto(at("/account/register"));
    await p.fill("#username", username);
    await p.fill("#email", email);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Create account" }).click();
    await p.waitForURL(at("/account/protect"));
  });

  afterAll(async () => {
    try {
      db?.close();
      await keys?.close();
      await browser?.close();
    } finally {
      await server?.stop();
      server?.cleanup();
    }
  });

  it("shows recovery codes once when a security key is the first factor", async () => {
    const p = browser!.page;
    await keys!.use("key");
    await addKey(p, "Only key", "Add security key");
    await p.locator("#recovery-codes").waitFor();
    await expect(p.locator("#recovery-codes code").count()).resolves.toBe(10);
    // Nothing on the server can show them again: the keys page has no codes, the overview a count.
    await p.goto(at("/account/two-factor/keys"));
    await expect(p.locator("#recovery-codes").count()).resolves.toBe(0);
    await keys!.use("phone");
    await addKey(p, "Phone", "Add passkey");
    await p.waitForURL(at("/account/two-factor/keys"));
    expect(events("mfa.recovery_codes_generated")).toBe(1);
  }, 60_000);

  it("refuses a replayed passkey sign-in (the challenge is single use)", async () => {
    const p = browser!.page;
    await signOut(p);
    await p.goto(at("/account/login"));
    const captured = await capture(p, "/account/login/passkey", async () => {
      await p.getByRole("button", { name: "Sign in with a passkey" }).click();
      await p.waitForURL(at("/account/"));
    });
    await signOut(p);
    const before = { sessions: sessions(), logins: events("login.success") };
    const res = await replay(p, "/account/login/passkey", captured);
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("already used");
    expect({ sessions: sessions(), logins: events("login.success") }).toEqual(before);
  }, 60_000);

  it("refuses a replayed second-step assertion, even after a new password step", async () => {
    const p = browser!.page;
    await keys!.use("key");
    await passwordStep(p);
    const captured = await capture(p, "/account/login/webauthn", async () => {
      await p.getByRole("button", { name: "Use your security key" }).click();
      await p.waitForURL(at("/account/"));
    });
    await signOut(p);
    await passwordStep(p);
    const before = sessions();
    const res = await replay(p, "/account/login/webauthn", captured);
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("already used");
    expect(sessions()).toBe(before);
  }, 60_000);

  it("refuses a key whose signature counter went backwards, records it and mails the owner", async () => {
    const p = browser!.page;
    // As if a clone of the key had been used 1,000,000 times: this key's next counter is lower.
    db!.prepare("UPDATE webauthn_credentials SET counter = 1000000 WHERE label = 'Only key'").run();
    const before = sessions();
    await p.goto(at("/account/login/two-factor"));
    await p.getByRole("button", { name: "Use your security key" }).click();
    await p.locator("#webauthn-status", { hasText: "went backwards" }).waitFor();
    expect(p.url()).toContain("/account/login/two-factor");
    expect(sessions()).toBe(before);
    expect(events("mfa.counter_regression")).toBe(1);
    const mails = (await readOutbox(server!.outboxDir)).filter((m) => m.to.includes(email));
    expect(mails.some((m) => m.subject.includes("possibly cloned"))).toBe(true);
    const stored = db!.prepare("SELECT counter FROM webauthn_credentials WHERE label = 'Only key'").get() as {
      counter: number;
    };
    expect(stored.counter).toBe(1000000);
  }, 60_000);

  it("refuses a second-factor security key for sign-in without a password", async () => {
    const p = browser!.page;
    await p.context().clearCookies();
    await p.goto(at("/account/login"));
    const [credential] = await keys!.credentials();
    // A page script that asks the key by id (the server offered no credentials) and posts the answer.
    const result = (await p.evaluate(`(async () => {
      const box = document.getElementById("webauthn-login");
      const post = (url, body) => fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": box.dataset.csrf },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const o = await post("/account/login/passkey/options", {});
      const optionsJSON = { ...o.body.options, allowCredentials: [{ id: ${JSON.stringify(toBase64url(credential!.credentialId))}, type: "public-key" }] };
      const response = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON });
      return post("/account/login/passkey", { challengeId: o.body.challengeId, response });
    })()`)) as { status: number; body: { error: string } };
    expect(result.status).toBe(400);
    expect(result.body.error).toContain("not a passkey");
  }, 60_000);

  it("refuses JSON requests without the CSRF header or from another origin", async () => {
    const p = browser!.page;
    await p.goto(at("/account/login"));
    const csrf = (await p.locator("#webauthn-login").getAttribute("data-csrf"))!;
    const post = (headers: Record<string, string>) =>
      p.request.post(at("/account/login/passkey/options"), {
        headers: { "content-type": "application/json", ...headers },
        data: "{}",
        failOnStatusCode: false,
      });
    const missingHeader = await post({});
    expect(missingHeader.status()).toBe(403);
    expect(await missingHeader.json()).toMatchObject({ code: "CSRF_INVALID" });
    const crossSite = await post({ "x-csrf-token": csrf, origin: "https://attacker.example" });
    expect(crossSite.status()).toBe(403);
    expect(await crossSite.json()).toMatchObject({ code: "CSRF_ORIGIN" });
    expect((await post({ "x-csrf-token": csrf })).status()).toBe(200);
  }, 30_000);
});
