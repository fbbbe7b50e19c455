import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import {
  type ChromiumSession,
  type Exit,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
  waitForLink,
} from "./support/index.js";

const SUITE = "accounts in a real browser (Chromium)";
const SETTINGS_SHOT = "/tmp/wharf-settings.png";
const REGISTER_ERROR_SHOT = "/tmp/wharf-register-error.png";

/** The events a person's journey through the account pages leaves, oldest first. */
const JOURNEY = [
  "account.created",
  "login.success",
  "email.verified",
  "logout",
  "login.success",
  "password.changed",
  "logout",
  "password.reset_requested",
  "password.reset",
  "login.failure",
  "login.success",
];

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  let server: WharfServer | undefined;
  let browser: ChromiumSession | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    browser = await launchChromium();
  });

  afterAll(async () => {
    let exit: Exit | undefined;
    try {
      await browser?.close();
    } finally {
      exit = await server?.stop();
      server?.cleanup();
    }
    // Graceful shutdown: SIGTERM lets open requests finish and the process exits 0.
    if (exit) expect(exit, server?.output()).toEqual({ code: 0, signal: null });
  });

  const at = (path: string) => `${server!.origin}${path}`;
  const flash = (page: Page) => page.locator("div.alert[role=status]");

  async function signIn(page: Page, login: string, password: string): Promise<void> {
    await page.goto(at("/account/login"));
    await page.fill("#username", login);
    await page.fill("#password", password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(at("/"));
    await expect(flash(page).textContent()).resolves.toContain("You are signed out.");
  }

  it("registers, verifies the email, changes and resets the password, and records every step", async () => {
    const page = browser!.page;
    const username = `maintainer-${randomBytes(3).toString("hex")}`;
    const email = `${username}@example.test`;
    const first = "tidal anchor rope 1841";
    const second = "harbour crane at dusk 77";
    const third = "lighthouse keeper logbook 9";

    await page.goto(at("/account/register"));
    await page.fill("#username", username);
    await page.fill("#email", email);
    await page.fill("#password", first);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(at("/account/protect"));
    await expect(flash(page).textContent()).resolves.toContain(`Welcome, ${username}`);
    await page.goto(at("/account/"));
    await expect(page.locator("#email .badge").textContent()).resolves.toBe("not verified");

    await page.goto(await waitForLink(server!.outboxDir, email, "/account/verify-email"));
    await page.getByRole("button", { name: "Verify email address" }).click();
    await page.waitForURL(at("/account/protect"));
    await expect(flash(page).textContent()).resolves.toContain("Your email address is verified.");
    await page.goto(at("/account/"));
    await expect(page.locator("#email .badge").textContent()).resolves.toBe("verified");
    await page.screenshot({ path: SETTINGS_SHOT, fullPage: true });

    await signOut(page);
    await signIn(page, username, first);
    await page.waitForURL(at("/account/"));

    await page.fill("#current_password", first);
    await page.fill("#new_password", second);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(at("/account/"));
    await expect(flash(page).textContent()).resolves.toContain("Your password was changed.");
    await signOut(page);

    await page.goto(at("/account/forgot-password"));
    await page.fill("#login", email);
    await page.getByRole("button", { name: "Email me a link" }).click();
    await expect(page.locator("p[role=status]").textContent()).resolves.toContain("If an account matches");
    await page.goto(await waitForLink(server!.outboxDir, email, "/account/reset-password"));
    await page.fill("#password", third);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.waitForURL(at("/account/login"));
    await expect(flash(page).textContent()).resolves.toContain("Your password was reset.");

    // The password set before the reset no longer opens the account; the new one does.
    await signIn(page, username, second);
    await expect(page.locator("#password-error").textContent()).resolves.toContain("not correct");
    await signIn(page, username, third);
    await page.waitForURL(at("/account/"));

    await page.goto(at("/account/security-history"));
    const events = await page
      .locator("tr[data-event]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event") ?? ""));
    const journey = events.filter((e) => JOURNEY.includes(e)).reverse();
    expect(journey).toEqual(JOURNEY);
  }, 90_000);

  it("shows a field's error beside that field for a common password and for a wrong sign-in", async () => {
    const page = browser!.page;
    await page.context().clearCookies();
    const username = `newcomer-${randomBytes(3).toString("hex")}`;

    await page.goto(at("/account/register"));
    await page.fill("#username", username);
    await page.fill("#email", `${username}@example.test`);
    await page.fill("#password", "password123");
    await page.getByRole("button", { name: "Create account" }).click();
    const passwordField = page.locator(".field", { has: page.locator("#password") });
    await expect(passwordField.locator(".field-error").textContent()).resolves.toContain(
      "commonly used passwords",
    );
    await expect(page.locator("#password").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.locator("#password").getAttribute("aria-describedby")).resolves.toContain(
      "password-error",
    );
    // The other fields keep what was typed and carry no error; the password is never echoed back.
    await expect(page.locator("#username").inputValue()).resolves.toBe(username);
    await expect(page.locator("#password").inputValue()).resolves.toBe("");
    await expect(page.locator("#username-error").count()).resolves.toBe(0);
    await page.screenshot({ path: REGISTER_ERROR_SHOT, fullPage: true });

    await signIn(page, username, "password123");
    const loginPassword = page.locator(".field", { has: page.locator("#password") });
    await expect(loginPassword.locator(".field-error").textContent()).resolves.toBe(
      "The username or password is not correct.",
    );
    await expect(page.locator("#username").inputValue()).resolves.toBe(username);
    await expect(page.getByRole("button", { name: "Sign out" }).count()).resolves.toBe(0);
  }, 60_000);

  // Regression: the 404 page once minted a new wharf_anon cookie, voiding every open signed-out form
  // (a fresh browser's /favicon.ico request did this to the very first sign-up).
  it("keeps an open sign-in form valid after a missing page is visited in another tab", async () => {
    const page = browser!.page;
    await page.context().clearCookies();
    await page.goto(at("/account/login"));
    const other = await page.context().newPage();
    try {
      expect((await other.goto(at("/no-such-page")))?.status()).toBe(404);
    } finally {
      await other.close();
    }
    await page.fill("#username", "nobody-in-particular");
    await page.fill("#password", "wrong password entirely");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Sign in", exact: true }).click(),
    ]);
    expect(response.status()).toBe(401);
    await expect(page.locator("#password-error").textContent()).resolves.toContain("not correct");
  }, 30_000);
});
