import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { Authenticators } from "./support/authenticators.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  ROOT,
  startWharf,
  type WharfServer,
  waitForLink,
} from "./support/index.js";

const SUITE = "enrolment: verified email → passkey + recovery codes saved, counted (Chromium)";
/** Kept for a look (and as CI artifacts): one PNG per step and width, and the count. */
const SHOTS = join(ROOT, "artifacts", "screenshots", "enrol");
const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * The counting rule (README "Two-factor authentication"): a page interaction is one click on a link or
 * button, or one Enter key that submits a form. Typing into a field is counted apart, per field filled.
 * What the browser or the authenticator asks by itself (the passkey prompt, a PIN or touch) is not a page
 * interaction; the virtual authenticator here answers it. Counting starts once the verification link
 * from the mail is open.
 */
class Counter {
  interactions: string[] = [];
  fields: string[] = [];
  async click(what: string, target: Locator): Promise<void> {
    this.interactions.push(`click: ${what}`);
    await target.click();
  }
  async type(what: string, target: Locator, text: string): Promise<void> {
    this.fields.push(what);
    await target.fill(text);
  }
  async enter(what: string, target: Locator): Promise<void> {
    this.interactions.push(`enter: ${what}`);
    await target.press("Enter");
  }
}

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  let server: WharfServer | undefined;
  let browser: ChromiumSession | undefined;
  let keys: Authenticators | undefined;
  const problems: string[] = [];
  const username = `enrol-${randomBytes(3).toString("hex")}`;
  const email = `${username}@example.test`;
  const password = "tidal basin mooring 42";
  const at = (path: string) => `${server?.origin}${path}`;
  const page = (): Page => {
    if (!browser) throw new Error("no browser");
    return browser.page;
  };

  /** Screenshots at both sizes; at each, the page must not scroll sideways. */
  async function shoot(step: string): Promise<void> {
    const p = page();
    for (const size of [PHONE, WIDE]) {
      await p.setViewportSize(size);
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${step} at ${size.width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(
        0,
      );
      await p.screenshot({ path: join(SHOTS, `${step}-${size.width}x${size.height}.png`), fullPage: true });
    }
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureBuilt();
    server = await startWharf();
    browser = await launchChromium();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: at("") });
    keys = await Authenticators.enable(browser.context, browser.page);
    await keys.use("phone");
    const p = page();
    p.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    p.on("pageerror", (e) => problems.push(String(e)));
    await p.setViewportSize(WIDE);
  }, 120_000);

  afterAll(async () => {
    try {
      await keys?.close();
      await browser?.close();
    } finally {
      await server?.stop();
      server?.cleanup();
    }
  });

  it("goes from the verification link to a passkey and confirmed recovery codes in at most 4 interactions", async () => {
    const p = page();
    await p.goto(at("/account/register"));
    await p.fill("#username", username);
    await p.fill("#email", email);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Create account" }).click();
    await p.waitForURL(at("/account/protect"));
    await shoot("00-after-sign-up");

    const count = new Counter();
    await p.goto(await waitForLink(server?.outboxDir ?? "", email, "/account/verify-email"));
    await shoot("01-verification-link");
    await count.click("Verify email address", p.getByRole("button", { name: "Verify email address" }));
    await p.waitForURL(at("/account/protect"));
    await shoot("02-protect");
    // Passkey first, authenticator app second, "later" last.
    const order = await p
      .locator(".protect .option h2, #protect-later")
      .evaluateAll((els) => els.map((e) => (e.textContent ?? "").trim()));
    expect(order).toEqual(["Passkey or security key recommended", "Authenticator app", "Later"]);

    await count.click("Add a passkey", p.getByRole("button", { name: "Add a passkey" }));
    await p.locator("#recovery-codes").waitFor();
    const codes = await p.locator("#recovery-codes code").allTextContents();
    expect(codes).toHaveLength(10);
    expect(await p.getByRole("button", { name: "Copy the recovery codes" }).isVisible()).toBe(true);
    await shoot("03-recovery-codes");
    // Printed, the page keeps the codes and drops the header, the buttons and the form.
    await p.emulateMedia({ media: "print" });
    expect(await p.locator(".site-header").isVisible()).toBe(false);
    expect(await p.locator("#saved_code").isVisible()).toBe(false);
    expect(await p.locator("#recovery-codes").isVisible()).toBe(true);
    await p.screenshot({ path: join(SHOTS, "03-recovery-codes-print.png"), fullPage: true });
    await p.emulateMedia({ media: "screen" });

    const download = p.waitForEvent("download");
    await count.click("Download .txt", p.getByRole("link", { name: "Download .txt" }));
    const saved = readFileSync((await (await download).path()) ?? "", "utf8");
    for (const c of codes) expect(saved).toContain(c);
    const typedBack = saved.trim().split("\n").at(-3) ?? "";
    expect(codes).toContain(typedBack);

    await count.type("one recovery code", p.locator("#saved_code"), typedBack);
    await count.enter("confirm the recovery codes", p.locator("#saved_code"));
    await p.waitForURL(at("/account/two-factor"));
    await expect(p.locator("div.alert[role=status]").textContent()).resolves.toContain(
      "Recovery codes saved",
    );
    expect(await p.locator("#codes-unconfirmed").count()).toBe(0);
    expect(await p.locator("tr[data-key]").count()).toBe(1);
    await shoot("04-protected");

    writeFileSync(join(SHOTS, "count.json"), `${JSON.stringify(count, null, 2)}\n`);
    expect(count.interactions).toEqual([
      "click: Verify email address",
      "click: Add a passkey",
      "click: Download .txt",
      "enter: confirm the recovery codes",
    ]);
    expect(count.interactions.length).toBeLessThanOrEqual(4);
    expect(count.fields).toEqual(["one recovery code"]);

    await p.goto(at("/account/"));
    expect(await p.locator("#two-factor .badge").textContent()).toBe("on");
    await shoot("05-settings");
    expect(problems).toEqual([]);
  }, 180_000);

  it("shows the authenticator app's QR and code field together at 1280×800, with a copyable grouped key", async () => {
    const p = page();
    await p.setViewportSize(WIDE);
    await p.goto(at("/account/two-factor/totp"));
    const qr = await p.locator(".qr svg").boundingBox();
    const field = await p.locator("#code").boundingBox();
    expect(qr && field).toBeTruthy();
    if (!qr || !field) return;
    expect(qr.width).toBeGreaterThanOrEqual(180);
    expect(qr.width).toBeLessThanOrEqual(220);
    // Both fully on screen without scrolling: nothing scrolled the QR away.
    expect(await p.evaluate(() => window.scrollY)).toBe(0);
    expect(qr.y + qr.height).toBeLessThanOrEqual(WIDE.height);
    expect(field.y + field.height).toBeLessThanOrEqual(WIDE.height);
    const shown = (await p.locator("#totp-secret").textContent()) ?? "";
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    expect(await p.locator("#totp-uri").getAttribute("href")).toMatch(/^otpauth:\/\/totp\//);
    await p.getByRole("button", { name: "Copy the setup key" }).click();
    await p.locator(".copy-status", { hasText: "Copied." }).waitFor();
    expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(shown.replace(/ /g, ""));
    await shoot("06-authenticator-app");
    expect(problems).toEqual([]);
  }, 60_000);
});
