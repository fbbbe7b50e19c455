import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { readOutbox } from "../../src/test-support/outbox.js";
import { Authenticators, openDatabase, TestAuthenticatorApp } from "./support/authenticators.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
} from "./support/index.js";

const SUITE = "MFA in a real browser: TOTP, security keys, passkeys, recovery codes (Chromium)";

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  let server: WharfServer | undefined;
  let browser: ChromiumSession | undefined;
  let keys: Authenticators | undefined;
  let db: Database.Database | undefined;
  let app: TestAuthenticatorApp;
  let recoveryCodes: string[] = [];
  const username = `keyholder-${randomBytes(3).toString("hex")}`;
  const email = `${username}@example.test`;
  const password = "quay side bollard 2718";

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    browser = await launchChromium();
    keys = await Authenticators.enable(browser.context, browser.page);
    db = openDatabase(server.dataDir);
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

  const at = (path: string) => `${server!.origin}${path}`;
  const page = () => browser!.page;
  const flash = (p: Page) => p.locator("div.alert[role=status]");
  const userId = () =>
    (db!.prepare("SELECT id FROM users WHERE username = ?").get(username) as { id: string }).id;
  const events = (type: string) =>
    (
      db!.prepare("SELECT count(*) AS n FROM events WHERE user_id = ? AND type = ?").get(userId(), type) as {
        n: number;
      }
    ).n;
  const lastSession = () =>
    db!
      .prepare(
        "SELECT auth_method, phishing_resistant FROM sessions WHERE user_id = ? ORDER BY created_at DESC LIMIT 1",
      )
      .get(userId()) as { auth_method: string; phishing_resistant: number };

  async function signOut(p: Page): Promise<void> {
    await p.getByRole("button", { name: "Sign out" }).click();
    await p.waitForURL(at("/"));
  }

  async function password1(p: Page): Promise<void> {
    await p.goto(at("/account/login"));
    await p.fill("#username", username);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.waitForURL(/\/account\/login\/two-factor/);
  }

  async function addKey(p: Page, label: string, kind: "security key" | "passkey"): Promise<void> {
    await p.goto(at("/account/two-factor/keys"));
    await p.fill("#label", label);
    await p.getByRole("button", { name: kind === "passkey" ? "Add passkey" : "Add security key" }).click();
  }

  it("enrolls an authenticator app and shows the recovery codes once", async () => {
    const p = page();
    await p.goto(at("/account/register"));
    await p.fill("#username", username);
    await p.fill("#email", email);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Create account" }).click();
    await p.waitForURL(at("/account/protect"));

    await p.goto(at("/account/two-factor/totp"));
    app = new TestAuthenticatorApp((await p.locator("#totp-secret").textContent())!.replace(/\s+/g, ""));
    await p.fill("#code", await app.code());
    await p.getByRole("button", { name: "Enable" }).click();
    recoveryCodes = await p.locator("#recovery-codes code").allTextContents();
    expect(recoveryCodes).toHaveLength(10);

    await p.goto(at("/account/two-factor"));
    await expect(p.locator("#recovery-codes").count()).resolves.toBe(0);
    await expect(p.locator("#codes-left").textContent()).resolves.toBe("10");
  }, 60_000);

  it("enrolls two security keys with unique names, without showing recovery codes again", async () => {
    const p = page();
    await keys!.use("blue");
    await addKey(p, "Blue key", "security key");
    await p.waitForURL(at("/account/two-factor/keys"));
    await expect(flash(p).textContent()).resolves.toContain("Security key “Blue key” added.");
    await expect(p.locator("#recovery-codes").count()).resolves.toBe(0);

    // The name is checked before anyone touches a key, ignoring case.
    await keys!.use("green");
    await addKey(p, "blue KEY", "security key");
    // A refused name is said at the name field (red, announced), not in the status line.
    await p.locator("#label-error", { hasText: "You already have a key with that name." }).waitFor();
    await expect(p.locator("#label").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(p.locator("#label").getAttribute("aria-describedby")).resolves.toContain("label-error");

    await addKey(p, "Green key", "security key");
    await p.waitForURL(at("/account/two-factor/keys"));
    await expect(flash(p).textContent()).resolves.toContain("“Green key” added.");
    const rows = await p.locator("tr[data-key]").evaluateAll((r) => r.map((e) => e.getAttribute("data-key")));
    expect(rows).toEqual(["Blue key", "Green key"]);
    expect(events("mfa.key_added")).toBe(2);
    const mails = (await readOutbox(server!.outboxDir)).filter((m) => m.to.includes(email));
    expect(mails.filter((m) => m.subject.includes("Security key added"))).toHaveLength(2);
  }, 60_000);

  it("signs in with each key, with a TOTP code, and with a recovery code only once", async () => {
    const p = page();
    for (const key of ["blue", "green"]) {
      await signOut(p);
      await keys!.use(key);
      await password1(p);
      await p.getByRole("button", { name: "Use your security key" }).click();
      await p.waitForURL(at("/account/"));
      expect(lastSession()).toEqual({ auth_method: "webauthn", phishing_resistant: 1 });
    }
    const used = db!
      .prepare("SELECT label FROM webauthn_credentials WHERE user_id = ? AND last_used_at IS NOT NULL")
      .all(userId());
    expect(used).toHaveLength(2);

    await signOut(p);
    await password1(p);
    await p.fill("#code", await app.code());
    await p.getByRole("button", { name: "Verify" }).click();
    await p.waitForURL(at("/account/"));
    expect(lastSession()).toEqual({ auth_method: "totp", phishing_resistant: 0 });

    for (const attempt of ["first", "reuse"]) {
      await signOut(p);
      await password1(p);
      await p.locator("summary", { hasText: "Use a recovery code" }).click();
      await p.fill("#recovery_code", recoveryCodes[0]!);
      await p.getByRole("button", { name: "Use recovery code" }).click();
      if (attempt === "first") {
        await p.waitForURL(at("/account/"));
        expect(lastSession().auth_method).toBe("recovery_code");
      } else {
        await expect(p.locator("#recovery_code-error").textContent()).resolves.toContain(
          "not valid or was already used",
        );
      }
    }
    // Still on the second step: finish it with a key.
    await keys!.use("blue");
    await p.getByRole("button", { name: "Use your security key" }).click();
    await p.waitForURL(at("/account/"));
    expect(events("mfa.recovery_code_used")).toBe(1);
  }, 90_000);

  it("registers a passkey and signs in with it without a password", async () => {
    const p = page();
    await keys!.use("laptop");
    await addKey(p, "Laptop passkey", "passkey");
    await p.waitForURL(at("/account/two-factor/keys"));
    await expect(flash(p).textContent()).resolves.toContain("Passkey “Laptop passkey” added.");
    await expect(p.locator('tr[data-key="Laptop passkey"]').textContent()).resolves.toContain("Passkey");
    const [credential] = await keys!.credentials();
    expect(credential?.isResidentCredential).toBe(true);

    await signOut(p);
    await p.goto(at(`/account/login?next=${encodeURIComponent("/account/two-factor")}`));
    await p.getByRole("button", { name: "Sign in with a passkey" }).click();
    await p.waitForURL(at("/account/two-factor"));
    expect(lastSession()).toEqual({ auth_method: "passkey", phishing_resistant: 1 });
  }, 60_000);

  it("removes a key only after sudo with password and code, and renames one", async () => {
    const p = page();
    db!.prepare("UPDATE sessions SET sudo_until = NULL WHERE user_id = ?").run(userId());
    await p.goto(at("/account/two-factor"));
    await p.locator('tr[data-key="Green key"]').getByRole("button", { name: "Remove" }).click();
    await p.waitForURL(/\/account\/sudo\?next=/);
    expect(events("mfa.key_removed")).toBe(0);
    await p.fill("#password", password);
    await p.fill("#code", await app.code());
    await p.getByRole("button", { name: "Confirm" }).click();
    await p.waitForURL(at("/account/two-factor"));
    await p.locator('tr[data-key="Green key"]').getByRole("button", { name: "Remove" }).click();
    await p.waitForURL(at("/account/two-factor"));
    await expect(flash(p).textContent()).resolves.toContain("Security key removed.");
    await expect(p.locator('tr[data-key="Green key"]').count()).resolves.toBe(0);
    expect(events("mfa.key_removed")).toBe(1);

    // Sudo again, this time with the passkey alone.
    db!.prepare("UPDATE sessions SET sudo_until = NULL WHERE user_id = ?").run(userId());
    await p.goto(at("/account/two-factor/keys"));
    await p.waitForURL(/\/account\/sudo\?next=/);
    await keys!.use("laptop");
    await p.getByRole("button", { name: "Use a passkey" }).click();
    await p.waitForURL(at("/account/two-factor/keys"));
    await p.fill('tr[data-key="Blue key"] input[name=label]', "Blue YubiKey");
    await p.locator('tr[data-key="Blue key"]').getByRole("button", { name: "Rename" }).click();
    await p.waitForURL(at("/account/two-factor/keys"));
    await expect(flash(p).textContent()).resolves.toContain("Renamed to “Blue YubiKey”.");
    expect(events("mfa.key_renamed")).toBe(1);
    const sudo = db!
      .prepare("SELECT data FROM events WHERE user_id = ? AND type = 'sudo.entered' ORDER BY id")
      .all(userId()) as { data: string }[];
    expect(sudo.map((e) => JSON.parse(e.data).method)).toEqual(["totp", "passkey"]);
  }, 90_000);
});
