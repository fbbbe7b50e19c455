import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { DAY } from "../../src/lib/clock.js";
import { createMandate } from "../../src/mandates/index.js";
import { missing, testDatabases } from "../../src/test-support/index.js";
import { Authenticators } from "./support/authenticators.js";
import { type ChromiumSession, launchChromium } from "./support/chromium.js";
import { waitForLink } from "./support/mail.js";
import {
  closeAll,
  type Person,
  person,
  type Registry,
  registerVerified,
  sameAt,
  startRegistry,
} from "./support/recovery.js";

/*
 * Issue 14 items 7–9 in a real browser: WebAuthn buttons without JavaScript and without WebAuthn, the
 * messages for a failed ceremony, a recovery link continued in a second browser, and the mandate
 * banners of each phase. Screenshots at both widths go to artifacts/screenshots/flows-*.png.
 */
const SUITE = "WebAuthn fallbacks, recovery links across browsers and mandate banners (Chromium)";
const SHOTS = join(process.cwd(), "artifacts", "screenshots");
const WIDTHS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await page.screenshot({ path: join(SHOTS, `flows-${name}-${w.name}.png`), fullPage: true });
    // Nothing on these pages may push the layout sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${w.width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  describe.each(testDatabases())("on %s", (kind) => {
    let registry: Registry | undefined;
    let people: Person[] = [];
    let sessions: ChromiumSession[] = [];
    afterEach(async () => {
      try {
        await closeAll(people);
        for (const s of sessions) await s.close().catch(() => undefined);
      } finally {
        people = [];
        sessions = [];
        await registry?.close();
        registry = undefined;
      }
    });
    const open = async () => {
      registry = await startRegistry(kind);
      return registry;
    };
    const track = async (p: Promise<Person>) => {
      const who = await p;
      people.push(who);
      return who;
    };

    it("without JavaScript every WebAuthn button is disabled and says what to do instead", async () => {
      const r = await open();
      const noJs = await launchChromium({ javaScriptEnabled: false });
      sessions.push(noJs);
      const p = noJs.page;
      await p.goto(r.at("/account/login"));
      await expect(p.locator("#webauthn-login-button").isDisabled()).resolves.toBe(true);
      const note = p.locator("#webauthn-noscript");
      await expect(note.isVisible()).resolves.toBe(true);
      await expect(note.textContent()).resolves.toContain(
        "Sign in with your username and password above instead",
      );
      await expect(p.locator("#webauthn-unsupported").isVisible()).resolves.toBe(false);
      await shoot(p, "login-noscript");

      // The same in a browser that runs scripts: the button is enabled and the no-script note hidden.
      const withJs = await track(person("jsuser"));
      await withJs.page.goto(r.at("/account/login"));
      await withJs.page.locator("#webauthn-login-button:enabled").waitFor();
      await expect(withJs.page.locator("#webauthn-noscript").isVisible()).resolves.toBe(false);
    }, 180_000);

    it("a browser without PublicKeyCredential keeps the button disabled and explains why", async () => {
      const r = await open();
      const who = await track(person("oldbrowser"));
      await who.page.addInitScript(() => {
        // An old or locked-down browser: no WebAuthn at all.
        Reflect.deleteProperty(window, "PublicKeyCredential");
      });
      await who.page.goto(r.at("/account/login"));
      const note = who.page.locator("#webauthn-unsupported");
      await note.waitFor({ state: "visible" });
      await expect(note.textContent()).resolves.toContain("This browser cannot use passkeys");
      await expect(who.page.locator("#webauthn-login-button").isDisabled()).resolves.toBe(true);
      await shoot(who.page, "login-unsupported");
    }, 180_000);

    it("holding only a key with no passkey here, 'Sign in with a passkey' names the password-then-key path", async () => {
      const r = await open();
      const who = await track(person("keyonly", { authenticators: true }));
      // A virtual authenticator with no credential for this site: Chromium answers NotAllowedError,
      // exactly as for a cancelled prompt.
      await who.keys!.use("blue");
      await who.page.goto(r.at("/account/login"));
      await who.page.getByRole("button", { name: "Sign in with a passkey" }).click();
      const status = who.page.locator("#webauthn-status.field-error");
      await status.waitFor();
      const text = (await status.textContent()) ?? "";
      expect(text).toContain("No passkey for this site on this device was used");
      expect(text).toContain("Sign in with your password, then your key.");
      await expect(who.page.locator("#webauthn-login-button").isEnabled()).resolves.toBe(true);
      await shoot(who.page, "login-no-passkey");
    }, 180_000);

    it("a recovery link confirmed on the phone continues in the desktop browser that started it", async () => {
      const r = await open();
      const desktop = await track(person("dora", { authenticators: false }));
      await registerVerified(r, desktop);
      await desktop.page.getByRole("button", { name: "Sign out" }).click();
      await desktop.page.goto(r.at("/account/recovery"));
      await desktop.page.fill("#login", desktop.username);
      await desktop.page.getByRole("button", { name: "Email me a recovery link" }).click();
      await desktop.page.locator("#recovery-sent").waitFor();
      const link = await waitForLink(r.outboxDir, desktop.email, "/account/recovery/confirm");

      // The phone's mail app opens the link (a preview), then the person taps Continue there.
      const phone = await track(sameAt(desktop));
      await phone.page.setViewportSize({ width: 390, height: 844 });
      await phone.page.goto(link);
      await shoot(phone.page, "recovery-link-fresh");
      await phone.page.getByRole("button", { name: "Continue in this browser" }).click();
      await phone.page.waitForURL(r.at("/account/recovery/proofs"));
      expect(
        await phone.page.locator("#detected-proofs li[data-proof=known_browser]").getAttribute("data-found"),
      ).toBe("no");

      // At the desktop, where she signed in before, the same link offers to continue there.
      await desktop.page.goto(link);
      await desktop.page.locator("#recovery-link[data-link-state=movable]").waitFor();
      await shoot(desktop.page, "recovery-link-movable");
      await desktop.page.getByRole("button", { name: "Continue in this browser" }).click();
      await desktop.page.waitForURL(r.at("/account/recovery/proofs"));
      expect(
        await desktop.page
          .locator("#detected-proofs li[data-proof=known_browser]")
          .getAttribute("data-found"),
      ).toBe("yes");

      // The phone is out, and told why, with a way to start again.
      const out = await phone.page.goto(r.at("/account/recovery/proofs"));
      expect(out?.status()).toBe(403);
      await expect(phone.page.locator("main [role=alert]").textContent()).resolves.toContain(
        "continued in another browser",
      );
      await phone.page.getByRole("link", { name: "Start again" }).waitFor();
      await shoot(phone.page, "recovery-moved-away");

      // Past ten minutes an unused link says so and offers to start again, prefilled.
      await desktop.page.goto(r.at("/account/recovery"));
      await desktop.page.fill("#login", desktop.username);
      r.t.clock.advance(DAY);
      await desktop.page.getByRole("button", { name: "Email me a recovery link" }).click();
      const later = await waitForLink(r.outboxDir, desktop.email, "/account/recovery/confirm", 10_000, 1);
      r.t.clock.advance(11 * 60_000);
      expect((await desktop.page.goto(later))?.status()).toBe(410);
      await shoot(desktop.page, "recovery-link-expired");
      await desktop.page.getByRole("link", { name: "Start again" }).click();
      await expect(desktop.page.inputValue("#login")).resolves.toBe(desktop.username);
    }, 180_000);

    it("mandate banners say notice, deadline and blocked in words, with the date and days left", async () => {
      const r = await open();
      const who = await track(person("mandy"));
      await registerVerified(r, who);
      const start = r.t.clock.now();
      await createMandate(r.t.deps.db, start, "ops", {
        name: "Everyone",
        cohort: "all-users",
        noticeAt: start - DAY,
        warnAt: start + 2 * DAY,
        enforceAt: start + 7 * DAY,
      });
      const banner = who.page.locator(".banner.mandate");
      for (const [phase, word, days] of [
        ["notice", "Notice:", "(in 7 days)"],
        ["warn", "Deadline:", "(3 days left)"],
        ["enforce", "Blocked:", ""],
      ] as const) {
        // Within the sessions' 30-day limit, so the same browser stays signed in throughout.
        if (phase !== "notice") r.t.clock.advance(4 * DAY);
        await who.page.goto(r.at("/"));
        await expect(banner.getAttribute("data-phase")).resolves.toBe(phase);
        const text = (await banner.textContent()) ?? "";
        expect(text).toContain(word);
        if (days) expect(text).toContain(days);
        // Exactly one icon: the stylesheet's ::before, no symbol in the text beside it.
        expect(text).not.toMatch(/[ℹ⚠⛔]/);
        const icon = await banner.locator(".wrap").evaluate((el) => getComputedStyle(el, "::before").content);
        expect(icon).not.toBe("none");
        await shoot(who.page, `banner-${phase}`);
      }
    }, 180_000);
  });
});
