import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLink } from "../mail/index.js";
import { codeAt, signedUp } from "../mfa/test-helpers.js";
import {
  createTestApp,
  type FormClient,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { leaveSudo } from "./test-fixtures.js";

const codesOf = (html: string) =>
  [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1] ?? "");
const sealedOf = (html: string) => /name="sealed" value="([^"]+)"/.exec(html)?.[1] ?? "";

describe.each(testDatabases())("enrolment: protect step, settings card, recovery codes on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  /** Enrolls an authenticator app through the pages; returns the codes page. */
  async function enrollApp(web: FormClient) {
    const page = await web.get("/account/two-factor/totp");
    const secret = (textOf(page.body, "totp-secret") ?? "").replace(/\s+/g, "");
    const done = await web.post("/account/two-factor/totp", {
      sealed: sealedOf(page.body),
      code: codeAt(secret, t.clock.now()),
    });
    expect(done.statusCode).toBe(200);
    return done;
  }

  it("leads sign-up and email verification to the protect step, key first, app second, later last", async () => {
    const web = await signedUp(t, "alice");
    const protect = await web.get("/account/protect");
    expect(protect.statusCode).toBe(200);
    const body = protect.body;
    const passkey = body.indexOf("Add a passkey");
    const app = body.indexOf('href="/account/two-factor/totp"');
    const later = body.indexOf('id="protect-later"');
    expect(passkey).toBeGreaterThan(0);
    expect(app).toBeGreaterThan(passkey);
    expect(later).toBeGreaterThan(app);
    expect(body).toContain('id="webauthn-enroll"');

    const link = findLink((await t.outbox())[0]?.text ?? "", "/account/verify-email") ?? "";
    const token = new URL(link).searchParams.get("token") ?? "";
    await web.get(`/account/verify-email?token=${encodeURIComponent(token)}`);
    const verified = await web.post("/account/verify-email", { token });
    expect(verified.headers.location).toBe("/account/protect");
  });

  it("sends the protect step through sudo when the sign-up's window is over, and away once enrolled", async () => {
    const web = await signedUp(t, "bob");
    leaveSudo(t);
    const late = await web.get("/account/protect");
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe("/account/sudo?next=%2Faccount%2Fprotect");
    const anon = await t.app.inject({ url: "/account/protect" });
    expect(anon.headers.location).toBe("/account/login?next=%2Faccount%2Fprotect");

    const fresh = await signedUp(t, "carol");
    await enrollApp(fresh);
    expect((await fresh.get("/account/protect")).headers.location).toBe("/account/two-factor");
  });

  it("puts a two-factor card first on the settings page: off with a way to protect, then on", async () => {
    const web = await signedUp(t, "dave");
    const off = (await web.get("/account/")).body;
    const card = off.indexOf('id="two-factor"');
    expect(card).toBeGreaterThan(0);
    expect(card).toBeLessThan(off.indexOf('id="email"'));
    expect(off).toContain('<span class="badge warn">off</span>');
    expect(off).toContain('href="/account/protect"');
    await enrollApp(web);
    const on = (await web.get("/account/")).body;
    expect(on).toContain('<span class="badge ok">on</span> an authenticator app; 10 unused recovery codes.');
  });

  it("shows the app's secret in groups of four, a tappable otpauth link, and no autofocus", async () => {
    const web = await signedUp(t, "erin");
    const page = (await web.get("/account/two-factor/totp")).body;
    const shown = textOf(page, "totp-secret") ?? "";
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    expect(page).toMatch(/<a class="otpauth-link" id="totp-uri" href="otpauth:\/\/totp\//);
    expect(page).not.toContain("autofocus");
  });

  it("confirms the recovery codes by one typed back, unspent, and shows the same codes after a typo", async () => {
    const web = await signedUp(t, "frank");
    const shown = await enrollApp(web);
    expect(shown.headers["cache-control"]).toBe("no-store");
    const codes = codesOf(shown.body);
    expect(codes).toHaveLength(10);
    expect(shown.body).toContain(`href="data:text/plain;charset=utf-8,`);
    expect(
      decodeURIComponent(/href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(shown.body)?.[1] ?? ""),
    ).toContain(codes.join("\n"));
    expect((await web.get("/account/two-factor")).body).toContain('id="codes-unconfirmed"');

    const typo = await web.post("/account/two-factor/recovery-codes/confirm", {
      sealed: sealedOf(shown.body),
      saved_code: "aaaa-bbbb-cccc-dddd",
    });
    expect(typo.statusCode).toBe(400);
    expect(codesOf(typo.body)).toEqual(codes);
    expect(textOf(typo.body, "saved_code-error")).toContain("not one of the codes above");

    const tampered = await web.post("/account/two-factor/recovery-codes/confirm", {
      sealed: `${sealedOf(shown.body)}x`,
      saved_code: codes[0] ?? "",
    });
    expect(tampered.headers.location).toBe("/account/two-factor");
    expect((await web.get("/account/two-factor")).body).toContain("page of recovery codes expired");

    // As people copy it: upper case, no dashes.
    const ok = await web.post("/account/two-factor/recovery-codes/confirm", {
      sealed: sealedOf(shown.body),
      saved_code: (codes[3] ?? "").toUpperCase().replace(/-/g, ""),
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe("/account/two-factor");
    const after = (await web.get("/account/two-factor")).body;
    expect(after).not.toContain('id="codes-unconfirmed"');
    expect(textOf(after, "codes-left")).toBe("10");
  });

  it("starts a regenerated set unconfirmed and refuses to confirm it with the replaced page", async () => {
    const web = await signedUp(t, "gina");
    const first = await enrollApp(web);
    const old = codesOf(first.body);
    await web.get("/account/two-factor");
    const renewed = await web.post("/account/two-factor/recovery-codes", {});
    expect(codesOf(renewed.body)).toHaveLength(10);
    const stale = await web.post("/account/two-factor/recovery-codes/confirm", {
      sealed: sealedOf(first.body),
      saved_code: old[0] ?? "",
    });
    expect(stale.headers.location).toBe("/account/two-factor");
    const page = (await web.get("/account/two-factor")).body;
    expect(page).toContain("no longer your current set");
    expect(page).toContain('id="codes-unconfirmed"');
  });

  it("will not confirm another user's codes page", async () => {
    const alice = await signedUp(t, "hank");
    const shown = await enrollApp(alice);
    const mallory = await signedUp(t, "ivan");
    await enrollApp(mallory);
    await mallory.get("/account/two-factor");
    const res = await mallory.post("/account/two-factor/recovery-codes/confirm", {
      sealed: sealedOf(shown.body),
      saved_code: codesOf(shown.body)[0] ?? "",
    });
    expect(res.headers.location).toBe("/account/two-factor");
    expect((await mallory.get("/account/two-factor")).body).toContain('id="codes-unconfirmed"');
  });
});
