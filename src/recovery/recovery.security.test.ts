/**
 * Threats to account recovery: an attacker who controls only the email, probes for accounts, replays
 * or forges links, or hopes a proof survives after the owner acted. Each test names the attack.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername, startSession, type User } from "../accounts/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { findLink } from "../mail/index.js";
import { factorSummary } from "../mfa/index.js";
import { addKey, postJson, SoftAuthenticator } from "../mfa/test-fixtures.js";
import { codeAt, enrollTotp, signedUp } from "../mfa/test-helpers.js";
import { createTestApp, FormClient, type TestApp, testDatabases, tokenFor } from "../test-support/index.js";
import { revokeUserToken } from "../tokens/index.js";
import { cookieNames } from "../web/context.js";
import { publish } from "../web/test-fixtures.js";
import { cancelAsOwner, completeDueRecoveries, markAbandoned, openRequestOf } from "./index.js";
import { confirmedRequest, mailTo, sharedProject, shownState } from "./test-helpers.js";

describe.each(testDatabases())("account recovery threats (%s)", (kind) => {
  let t: TestApp;
  let alice: User;
  let secret: string;
  let aliceWeb: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    const web = await signedUp(t, "alice");
    aliceWeb = web;
    ({ secret } = await enrollTotp(t, web));
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    alice = (await getUserByUsername(t.deps.db, "alice"))!;
  });
  afterEach(() => t.close());

  const confirmMails = async () =>
    (await t.outbox()).filter((m) => m.subject.includes("Confirm account recovery")).length;

  it("probing: the answer is the same for unknown and real accounts, and only the real one gets mail", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/recovery");
    const unknown = await web.post("/account/recovery", { login: "nobody-here" });
    const real = await web.post("/account/recovery", { login: "alice@example.com" });
    expect(unknown.statusCode).toBe(real.statusCode);
    const text = (b: string) => /<p role="status" id="recovery-sent">([\s\S]*?)<\/p>/.exec(b)?.[1];
    expect(text(unknown.body)).toBe(text(real.body));
    expect(await confirmMails()).toBe(1);
  });

  it("abandoned email domain: no link is sent, the refusal is recorded", async () => {
    await markAbandoned(t.deps.db, t.clock.now(), "example.com", "registration lapsed", "admin");
    const web = new FormClient(t.app);
    await web.get("/account/recovery");
    const res = await web.post("/account/recovery", { login: "alice" });
    expect(res.statusCode).toBe(200);
    expect(await confirmMails()).toBe(0);
    const ev = await t.deps.db
      .selectFrom("events")
      .select("data")
      .where("type", "=", "recovery.refused")
      .execute();
    expect(ev.map((e) => JSON.parse(e.data).reason)).toEqual(["abandoned_email_domain"]);
  });

  it("link replay: the confirmation link works once, and not after 10 minutes", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/recovery");
    await web.post("/account/recovery", { login: "alice" });
    const link = new URL(
      findLink((await mailTo(t, "alice@example.com", "Confirm"))!.text, "/account/recovery/confirm")!,
    );
    const token = link.searchParams.get("token")!;
    t.clock.advance(11 * MINUTE);
    await web.get(link.pathname + link.search);
    expect((await web.post("/account/recovery/confirm", { token })).statusCode).toBe(410);

    t.clock.advance(DAY); // past the per-account daily budget window
    const fresh = await confirmedRequest(t, "alice", "alice@example.com");
    const second = await mailTo(t, "alice@example.com", "Confirm");
    const again = new URL(findLink(second!.text, "/account/recovery/confirm")!).searchParams.get("token")!;
    const replay = await fresh.post("/account/recovery/confirm", { token: again });
    expect(replay.statusCode).toBe(410);
  });

  it("a request left without proofs expires after a day instead of staying open", async () => {
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    t.clock.advance(DAY + MINUTE);
    await completeDueRecoveries(t.deps);
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
    const late = await web.post("/account/recovery/proofs", { api_token: "" });
    expect(late.statusCode).toBe(409);
  });

  it("another browser cannot drive a request it did not confirm", async () => {
    await confirmedRequest(t, "alice", "alice@example.com");
    const other = new FormClient(t.app);
    const page = await other.get("/account/recovery/proofs");
    expect(page.statusCode).toBe(403);
    await other.get("/account/recovery");
    expect((await other.post("/account/recovery/proofs", { api_token: "x" })).statusCode).toBe(403);
  });

  it("someone else's token, or a revoked one, is not a proof", async () => {
    await signedUp(t, "mallory");
    const mallory = (await getUserByUsername(t.deps.db, "mallory"))!;
    const theirs = await tokenFor(t, mallory.id, null);
    const revoked = await tokenFor(t, alice.id, null);
    const [row] = await t.deps.db
      .selectFrom("api_tokens")
      .select("id")
      .where("user_id", "=", alice.id)
      .execute();
    await revokeUserToken(t.deps, { ip: "127.0.0.1" }, alice, row!.id);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    for (const token of [theirs, revoked]) {
      const res = await web.post("/account/recovery/proofs", { api_token: token });
      expect(res.statusCode).toBe(400);
      expect(shownState(res.body)).toBe("proofs");
    }
  });

  it("the owner revoking the token during the wait stops the reset", async () => {
    const token = await tokenFor(t, alice.id, null);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    const [row] = await t.deps.db
      .selectFrom("api_tokens")
      .select("id")
      .where("user_id", "=", alice.id)
      .execute();
    await revokeUserToken(t.deps, { ip: "127.0.0.1" }, alice, row!.id);
    t.clock.advance(8 * DAY);
    const run = await completeDueRecoveries(t.deps);
    expect(run).toMatchObject({ completed: [], lapsed: [expect.any(String)] });
    expect((await factorSummary(t.deps.db, alice.id)).enrolled).toBe(true);
  });

  it("an email change during the wait stops the reset", async () => {
    const token = await tokenFor(t, alice.id, null);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    await t.deps.db
      .updateTable("users")
      .set({ email: "alice@new.example" })
      .where("id", "=", alice.id)
      .execute();
    t.clock.advance(8 * DAY);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([]);
    expect((await factorSummary(t.deps.db, alice.id)).enrolled).toBe(true);
  });

  it("a session that only passed the password (e.g. after an emailed reset) cannot cancel; one with a factor can", async () => {
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: "" });
    const r = (await openRequestOf(t.deps.db, alice.id))!;
    const weak = await startSession(t.deps, { ip: "203.0.113.5" }, alice, "password");
    await expect(cancelAsOwner(t.deps, { ip: "203.0.113.5" }, r.id, weak.session)).rejects.toMatchObject({
      code: "CANCEL_NEEDS_FACTOR",
    });
    const strong = await startSession(t.deps, { ip: "203.0.113.6" }, alice, {
      method: "webauthn",
      phishingResistant: true,
    });
    const owner = new FormClient(t.app);
    owner.cookies.set(cookieNames(false).session, strong.cookie);
    const page = await owner.get("/account/");
    expect(page.body).toContain('id="recovery-banner"');
    await owner.get("/account/recovery/open");
    const done = await owner.post("/account/recovery/open/cancel", { request: r.id });
    expect(done.statusCode).toBe(303);
    expect((await openRequestOf(t.deps.db, alice.id)) === null).toBe(true);
    // Racing: whatever comes after the cancel (a second click, the job) finds nothing to do.
    await expect(cancelAsOwner(t.deps, { ip: "203.0.113.6" }, r.id, strong.session)).rejects.toMatchObject({
      code: "REQUEST_CLOSED",
    });
  });

  it("a forged or edited cancel link does nothing", async () => {
    const token = await tokenFor(t, alice.id, null);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    const inbox = new FormClient(t.app);
    const page = await inbox.get("/account/recovery/cancel?token=forged");
    expect(page.body).toContain("no longer open");
    await inbox.get("/account/recovery"); // a page with a form, for the CSRF token
    expect((await inbox.post("/account/recovery/cancel", { token: "forged" })).statusCode).toBe(404);
    expect((await openRequestOf(t.deps.db, alice.id))!.state).toBe("waiting");
  });

  it("a recovered account publishes nothing until a new factor is enrolled", async () => {
    await sharedProject(t, "demo-pkg", [alice]);
    const token = await tokenFor(t, alice.id, null);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: token });
    t.clock.advance(8 * DAY);
    expect((await completeDueRecoveries(t.deps)).completed).toHaveLength(1);
    const fresh = await tokenFor(t, alice.id, null); // e.g. minted by an operator
    const res = await publish(t, mkdtempSync(join(tmpdir(), "wharf-rec-")), fresh, "demo-pkg", "1.0");
    expect(res.statusCode).toBe(403);
    expect(res.statusMessage).toContain("Your account was recovered");
  });

  it("email takeover plus password reset: the owner still stops it with an authenticator code, no password", async () => {
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: "" });
    const mail = await mailTo(t, "alice@example.com", "waiting for review");
    const stop = new URL(findLink(mail!.text, "/account/recovery/stop")!);
    const owner = new FormClient(t.app, "192.0.2.50");
    const page = await owner.get(stop.pathname + stop.search);
    expect(page.body).toContain('data-mode="recovery-stop"');
    const wrong = await owner.post("/account/recovery/stop", { login: "alice", code: "000000" });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="code-error"');
    expect((await openRequestOf(t.deps.db, alice.id))!.state).toBe("queued");
    // The account is the one the link names, whatever the form says.
    const other = await owner.post("/account/recovery/stop", { login: "nobody", code: "123456" });
    expect(other.statusCode).toBe(400);
    t.clock.advance(31_000);
    const ok = await owner.post("/account/recovery/stop", {
      login: "alice",
      code: codeAt(secret, t.clock.now()),
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe("/account/recovery/stop?done=1");
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
  });

  it("the owner stops it with a security key alone; a key of another account does not", async () => {
    const key = new SoftAuthenticator(t.deps.config.origin);
    // A second factor: the keys page redirects back to the list (the first one would show recovery codes).
    expect((await addKey(t, aliceWeb, key, "YubiKey")).statusCode).toBe(303);
    expect((await factorSummary(t.deps.db, alice.id)).keys).toHaveLength(1);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: "" });

    const mail = await mailTo(t, "alice@example.com", "waiting for review");
    const stop = new URL(findLink(mail!.text, "/account/recovery/stop")!);
    const owner = new FormClient(t.app, "192.0.2.51");
    await owner.get(stop.pathname + stop.search);
    const o = await postJson(t, owner, "/account/recovery/stop/key/options", {});
    expect(o.statusCode).toBe(200);
    const { challengeId, options } = o.json() as {
      challengeId: string;
      options: PublicKeyCredentialRequestOptionsJSON;
    };
    const stranger = new SoftAuthenticator(t.deps.config.origin);
    const forged = await postJson(t, owner, "/account/recovery/stop/key", {
      challengeId,
      response: stranger.assert(options),
    });
    expect(forged.statusCode).toBe(400);
    expect((await openRequestOf(t.deps.db, alice.id))!.state).toBe("queued");

    const again = await postJson(t, owner, "/account/recovery/stop/key/options", {});
    const fresh = again.json() as { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON };
    const done = await postJson(t, owner, "/account/recovery/stop/key", {
      challengeId: fresh.challengeId,
      response: key.assert(fresh.options),
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
  });
});
