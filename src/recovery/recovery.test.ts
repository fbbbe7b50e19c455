import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername } from "../accounts/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { findLink } from "../mail/index.js";
import { factorSummary } from "../mfa/index.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "../mfa/test-helpers.js";
import { createTestApp, FormClient, type TestApp, testDatabases, tokenFor } from "../test-support/index.js";
import { listTokens } from "../tokens/index.js";
import { completeDueRecoveries, decideRequest, openRequestOf } from "./index.js";
import { confirmedRequest, mailTo, sharedProject, shownState } from "./test-helpers.js";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("account recovery (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  /** alice with TOTP (which she will "lose"), an API token, and bob as co-maintainer. */
  async function aliceWithTotp() {
    const oldBrowser = await signedUp(t, "alice");
    await enrollTotp(t, oldBrowser);
    await signedUp(t, "bob");
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    const bob = (await getUserByUsername(t.deps.db, "bob"))!;
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    await sharedProject(t, "shared-lib", [alice, bob]);
    const token = await tokenFor(t, alice.id, null);
    return { alice, bob, oldBrowser, token };
  }

  it("a valid API token starts the wait; when it ends, factors, sessions and tokens are gone and a factor comes first", async () => {
    const { alice, oldBrowser, token } = await aliceWithTotp();
    const step = await passwordStep(t, "alice");
    expect(step.last!.body).toContain("/account/recovery?login=alice");

    const web = await confirmedRequest(t, "alice", "alice@example.com");
    expect(web.last!.body).toMatch(/data-proof="known_browser" data-found="no"/);
    const wrong = await web.post("/account/recovery/proofs", { api_token: "wharf_not-a-real-token" });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain("This is not a valid, unexpired API token of this account.");
    await web.post("/account/recovery/proofs", { api_token: token });
    const status = await web.get("/account/recovery/proofs");
    expect(shownState(status.body)).toBe("waiting");

    const waiting = await mailTo(t, "alice@example.com", "Account recovery requested");
    expect(waiting!.text).toContain("A valid API token of the account");
    expect(findLink(waiting!.text, "/account/recovery/cancel")).toBeDefined();
    expect(await mailTo(t, "bob@example.com", "alice is recovering their account")).toBeDefined();

    t.clock.advance(7 * DAY - MINUTE);
    expect(await completeDueRecoveries(t.deps)).toEqual({ completed: [], lapsed: [] });
    t.clock.advance(2 * MINUTE);
    const run = await completeDueRecoveries(t.deps);
    expect(run.completed).toHaveLength(1);

    expect((await factorSummary(t.deps.db, alice.id)).enrolled).toBe(false);
    expect((await listTokens(t.deps.db, alice.id)).every((k) => k.revokedAt !== null)).toBe(true);
    const live = await t.deps.db
      .selectFrom("sessions")
      .select("public_id")
      .where("user_id", "=", alice.id)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toEqual([]); // revoked, not merely idle for a week
    const signedOut = await oldBrowser.get("/account/");
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toContain("/account/login");
    const oldPassword = await new FormClient(t.app).post("/account/login", {
      username: "alice",
      password: PASSWORD,
    });
    expect(oldPassword.statusCode).not.toBe(303);
    expect(await mailTo(t, "bob@example.com", "alice's account was recovered")).toBeDefined();

    // The new password comes through the emailed link; then every page leads to enrolling a factor.
    const done = await mailTo(t, "alice@example.com", "Your account was recovered");
    const reset = new URL(findLink(done!.text, "/account/reset-password")!);
    const fresh = new FormClient(t.app);
    await fresh.get(reset.pathname + reset.search);
    const set = await fresh.post("/account/reset-password", {
      token: reset.searchParams.get("token")!,
      password: "a brand new passphrase",
      password_confirm: "a brand new passphrase",
    });
    expect(set.statusCode).toBe(303);
    const login = new FormClient(t.app);
    await login.get("/account/login");
    const signedIn = await login.post("/account/login", {
      username: "alice",
      password: "a brand new passphrase",
    });
    expect(signedIn.statusCode).toBe(303);
    for (const page of ["/account/", "/account/tokens", "/account/projects"]) {
      const res = await login.get(page);
      expect(res.headers.location, page).toBe("/account/two-factor");
    }
    await enrollTotp(t, login);
    expect((await login.get("/account/tokens")).statusCode).toBe(200);
    expect((await getUserByUsername(t.deps.db, "alice"))!.mfaRequiredAt).toBeNull();
  });

  it("a browser that signed in before, or one with a session still open, is a proof by itself", async () => {
    const oldBrowser = await signedUp(t, "alice");
    const { secret } = await enrollTotp(t, oldBrowser);
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    // Her laptop: a full sign-in there once (password + code), then signed out.
    const laptop = await passwordStep(t, "alice", "198.51.100.9");
    t.clock.advance(31_000);
    const ok = await laptop.post("/account/login/two-factor", { code: codeAt(secret, t.clock.now()) });
    expect(ok.statusCode).toBe(303);
    await laptop.get("/account/");
    await laptop.post("/account/logout", {});

    const web = await confirmedRequest(t, "alice", "alice@example.com", laptop);
    expect(web.last!.body).toMatch(/data-proof="known_browser" data-found="yes"/);
    expect(web.last!.body).toMatch(/data-proof="open_session" data-found="no"/);
    await web.post("/account/recovery/proofs", { api_token: "" });
    const r = (await openRequestOf(t.deps.db, alice.id))!;
    expect(r.state).toBe("waiting");
    expect(r.proofs).toEqual([{ kind: "known_browser" }]);

    // A waiting request is not replaced by a second one (that would restart the owner's clock): no
    // new confirmation link is sent.
    const links = async () =>
      (await t.outbox()).filter((m) => m.subject.includes("Confirm account recovery")).length;
    const before = await links();
    await oldBrowser.post("/account/recovery", { login: "alice" });
    expect(await links()).toBe(before);
  });

  it("a session still open in the browser counts as a proof", async () => {
    const oldBrowser = await signedUp(t, "alice");
    await enrollTotp(t, oldBrowser);
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    const web = await confirmedRequest(t, "alice", "alice@example.com", oldBrowser);
    expect(web.last!.body).toMatch(/data-proof="open_session" data-found="yes"/);
    await web.post("/account/recovery/proofs", { api_token: "" });
    const r = (await openRequestOf(t.deps.db, alice.id))!;
    expect(r.proofs.map((p) => p.kind).sort()).toEqual(["known_browser", "open_session"]);
  });

  it("without any proof the request waits for an operator, whose approval starts the same wait", async () => {
    const { alice } = await aliceWithTotp();
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: "" });
    expect(shownState((await web.get("/account/recovery/proofs")).body)).toBe("queued");
    expect(await mailTo(t, "alice@example.com", "waiting for review")).toBeDefined();
    expect(await mailTo(t, "bob@example.com", "recovering")).toBeUndefined();

    const r = (await openRequestOf(t.deps.db, alice.id))!;
    t.clock.advance(30 * DAY);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([]);
    await decideRequest(
      t.deps,
      {
        ip: "127.0.0.1",
        adminName: "operator",
        reason: "verified by video call",
        audit: async () => {},
      },
      r.id,
      "approve",
    );
    expect(await mailTo(t, "bob@example.com", "alice is recovering their account")).toBeDefined();
    t.clock.advance(7 * DAY + MINUTE);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([r.id]);
  });

  it("maintainers of critical projects wait longer", async () => {
    const { alice, token } = await aliceWithTotp();
    await t.deps.db.updateTable("projects").set({ critical_since: t.clock.now() }).execute();
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    const r = (await openRequestOf(t.deps.db, alice.id))!;
    expect(r.critical).toBe(true);
    expect(r.waitUntil! - r.submittedAt!).toBe(14 * DAY);
    t.clock.advance(8 * DAY);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([]);
  });

  it("one click in the email cancels, and the owner hears of it", async () => {
    const { alice, token } = await aliceWithTotp();
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    const mail = await mailTo(t, "alice@example.com", "Account recovery requested");
    const link = new URL(findLink(mail!.text, "/account/recovery/cancel")!);
    const inbox = new FormClient(t.app);
    const page = await inbox.get(link.pathname + link.search);
    expect(page.body).toContain("Cancel the recovery request");
    const done = await inbox.post("/account/recovery/cancel", { token: link.searchParams.get("token")! });
    expect(done.body).toContain("was cancelled");
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
    expect(await mailTo(t, "alice@example.com", "Account recovery cancelled")).toBeDefined();
    t.clock.advance(8 * DAY);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([]);
    expect((await factorSummary(t.deps.db, alice.id)).enrolled).toBe(true);
  });
});
