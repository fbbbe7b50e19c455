import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { DAY } from "../../../src/lib/clock.js";
import { codeAt } from "../../../src/mfa/test-helpers.js";
import { buildWheel } from "../../../src/packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  type DbKind,
  type TestApp,
  twineForm,
} from "../../../src/test-support/index.js";
import { type OutboxMessage, readOutbox } from "../../../src/test-support/outbox.js";
import { Authenticators } from "./authenticators.js";
import { type ChromiumSession, launchChromium } from "./chromium.js";
import { waitForLink } from "./mail.js";
import { freePort } from "./server.js";

/**
 * Account recovery takes days of waiting, so these tests run Wharf in-process (its clock is a
 * ManualClock the test moves) but over real HTTP, for real browsers: http://localhost:PORT is the
 * origin, as for a spawned server (WebAuthn RP ID, cookies, CSRF Origin check).
 */
export interface Registry {
  t: TestApp;
  origin: string;
  /** http://127.0.0.1:PORT, for fetch (the server binds IPv4 only; `localhost` may resolve to ::1). */
  url: string;
  outboxDir: string;
  at(path: string): string;
  /** Stops the server and removes its database and data dir. */
  close(): Promise<void>;
}

export async function startRegistry(kind: DbKind): Promise<Registry> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const t = await createTestApp(kind, {
    origin,
    port,
    secureCookies: false,
    // Sessions outlive the 7-day wait on their own, so a browser that is signed out afterwards was
    // signed out by the recovery, not by an idle timeout.
    sessionIdleMs: 30 * DAY,
    sessionMaxMs: 30 * DAY,
  });
  try {
    await t.app.listen({ port, host: "127.0.0.1" });
  } catch (e) {
    await t.close();
    throw e;
  }
  return {
    t,
    origin,
    url: `http://127.0.0.1:${port}`,
    outboxDir: join(t.dataDir, "outbox"),
    at: (path) => `${origin}${path}`,
    close: () => t.close(),
  };
}

/** One person at one browser (its own Chromium profile, so no cookie crosses between people). */
export interface Person {
  username: string;
  email: string;
  password: string;
  browser: ChromiumSession;
  page: Page;
  keys?: Authenticators;
}

export async function person(
  username: string,
  opts: { email?: string; password?: string; authenticators?: boolean } = {},
): Promise<Person> {
  const browser = await launchChromium();
  const p: Person = {
    username,
    email: opts.email ?? `${username}@example.test`,
    password: opts.password ?? `${username} quay side bollard 2718`,
    browser,
    page: browser.page,
  };
  if (opts.authenticators) p.keys = await Authenticators.enable(browser.context, browser.page);
  return p;
}

/** The same person at another browser (the new laptop after the old phone was lost). */
export async function sameAt(who: Person): Promise<Person> {
  const browser = await launchChromium();
  return { ...who, browser, page: browser.page, keys: undefined };
}

export async function closeAll(people: Array<Person | undefined>): Promise<void> {
  for (const p of people) {
    await p?.keys?.close();
    await p?.browser.close().catch(() => undefined);
  }
}

/** The flash message of the page (div.alert[role=status] under the header). */
export const flash = (p: Page) => p.locator("div.alert[role=status]");

/** Registers through the form and verifies the email address with the link from the mail. */
export async function registerVerified(r: Registry, who: Person): Promise<void> {
  const p = who.page;
  await p.goto(r.at("/account/register"));
  await p.fill("#username", who.username);
  await p.fill("#email", who.email);
  await p.fill("#password", who.password);
  await p.getByRole("button", { name: "Create account" }).click();
  await p.waitForURL(r.at("/account/protect"));
  await p.goto(await waitForLink(r.outboxDir, who.email, "/account/verify-email"));
  await p.getByRole("button", { name: "Verify email address" }).click();
  await p.waitForURL(r.at("/account/protect"));
  await expect(flash(p).textContent()).resolves.toContain("Your email address is verified.");
}

/**
 * The authenticator app, on the server's clock: each code comes from a step after the last one used
 * (a step is accepted once), so the clock moves on by one 30-second step before every code.
 */
export class ClockAuthenticatorApp {
  constructor(
    private readonly r: Registry,
    readonly secret: string,
  ) {}
  code(): string {
    this.r.t.clock.advance(30_000);
    return codeAt(this.secret, this.r.t.clock.now());
  }
}

/**
 * Enrolls an authenticator app at /account/two-factor/totp (the session must be in sudo mode). As the
 * first factor it shows the recovery codes; after a key, it goes back to the overview.
 */
export async function enrollTotp(r: Registry, p: Page): Promise<ClockAuthenticatorApp> {
  await p.goto(r.at("/account/two-factor/totp"));
  expect(p.url()).toBe(r.at("/account/two-factor/totp"));
  const app = new ClockAuthenticatorApp(
    r,
    (await p.locator("#totp-secret").textContent())!.replace(/\s+/g, ""),
  );
  await p.fill("#code", app.code());
  await p.getByRole("button", { name: "Enable" }).click();
  await p
    .locator("#recovery-codes")
    .or(flash(p).filter({ hasText: "Authenticator app enabled." }))
    .waitFor();
  return app;
}

/** Creates an account-wide API token on /account/tokens and returns the secret shown once. */
export async function createTokenInBrowser(r: Registry, p: Page, name: string): Promise<string> {
  await p.goto(r.at("/account/tokens"));
  await p.fill("#name", name);
  await p.getByRole("button", { name: "Create token" }).click();
  return (await p.locator("#new-token").textContent())!.trim();
}

/**
 * The password step of signing in; resolves on the page that answers it: the second step, where the
 * sign-in leads, or the form again (at /account/login?next=..., the form's action) with the error.
 */
export async function passwordStep(r: Registry, who: Person, password = who.password): Promise<void> {
  const p = who.page;
  const form = r.at("/account/login");
  await p.goto(form);
  await p.fill("#username", who.username);
  await p.fill("#password", password);
  await p.getByRole("button", { name: "Sign in", exact: true }).click();
  await p.waitForURL((u) => u.toString() !== form);
}

export async function signOut(r: Registry, p: Page): Promise<void> {
  await p.getByRole("button", { name: "Sign out" }).click();
  await p.waitForURL(r.at("/"));
}

/** What twine sends: a wheel of `name` `version`, with __token__ and `token` (over real HTTP). */
export async function upload(
  r: Registry,
  token: string,
  name: string,
  version: string,
): Promise<{ status: number; reason: string; body: string }> {
  const dir = mkdtempSync(join(tmpdir(), "wharf-recovery-dist-"));
  try {
    const wheel = await buildWheel(dir, { name, version });
    const form = await twineForm(wheel, { name, version });
    const res = await fetch(`${r.url}/legacy/`, {
      method: "POST",
      body: new Uint8Array(form.payload),
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    return { status: res.status, reason: res.statusText, body: await res.text() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm whoami` against the registry: the simplest request that needs a token and nothing else. */
export async function whoami(r: Registry, token: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${r.url}/npm/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

/** Every mail to `to` whose subject contains `subject`, oldest first. */
export async function mailsTo(r: Registry, to: string, subject: string): Promise<OutboxMessage[]> {
  return (await readOutbox(r.outboxDir)).filter((m) => m.to.includes(to) && m.subject.includes(subject));
}

export async function userIdOf(r: Registry, username: string): Promise<string> {
  const row = await r.t.deps.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  return row.id;
}
