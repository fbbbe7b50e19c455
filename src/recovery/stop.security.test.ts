/**
 * Issue 11 MEDIUM 7: five wrong codes at /account/recovery/stop, which needs no password, locked the
 * owner's authenticator and recovery-code sign-in (and npm --otp) and mailed them that their password
 * may be known — a lockout by username alone. Codes are now checked there only for an open request,
 * from a browser holding its stop link (or its recovery cookie), and counted per IP and per request.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername, type User } from "../accounts/index.js";
import { findLink } from "../mail/index.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "../mfa/test-helpers.js";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import { openRequestOf } from "./index.js";
import { confirmedRequest, mailTo } from "./test-helpers.js";

describe.each(testDatabases())("stopping a recovery with a code on %s", (kind) => {
  let t: TestApp;
  let alice: User;
  let secret: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    const web = await signedUp(t, "alice");
    ({ secret } = await enrollTotp(t, web));
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    alice = (await getUserByUsername(t.deps.db, "alice"))!;
  });
  afterEach(() => t.close());

  /** The owner still signs in with password + authenticator code (not locked out). */
  async function ownerSignsIn(): Promise<number> {
    t.clock.advance(30_000);
    const web = await passwordStep(t, "alice", "192.0.2.200");
    const res = await web.post("/account/login/two-factor", { code: codeAt(secret, t.clock.now()) });
    return res.statusCode;
  }
  const burstMails = async () =>
    (await t.outbox()).filter((m) => m.subject.includes("Many failed two-factor attempts")).length;

  it("by username alone: no code is checked, and the owner's sign-in is not locked", async () => {
    const stranger = new FormClient(t.app, "203.0.113.66");
    await stranger.get("/account/recovery"); // a page with a form, for the CSRF token
    const answers = [];
    for (let i = 0; i < 12; i++)
      answers.push(await stranger.post("/account/recovery/stop", { login: "alice", code: `00000${i % 10}` }));
    // Before the fix: 400 x 5, then 429, and the owner's own sign-in answered 429 too.
    expect(await ownerSignsIn()).toBe(303);
    expect(await burstMails()).toBe(0);
    for (const res of answers) {
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain("Open the stop link from the latest recovery email");
    }
    const page = await stranger.get("/account/recovery/stop?login=alice");
    expect(page.statusCode).toBe(403);
    expect(page.body).not.toContain('name="code"');
  });

  it("with the stop link: wrong codes are limited per IP, outside the account's lockout", async () => {
    const started = await confirmedRequest(t, "alice", "alice@example.com");
    await started.post("/account/recovery/proofs", { api_token: "" });
    const mail = await mailTo(t, "alice@example.com", "waiting for review");
    const stop = new URL(findLink(mail!.text, "/account/recovery/stop")!);
    expect(stop.searchParams.has("login")).toBe(false);
    const guesser = new FormClient(t.app, "203.0.113.67");
    expect((await guesser.get(stop.pathname + stop.search)).statusCode).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await guesser.post("/account/recovery/stop", { code: `11111${i % 10}` })).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect((await openRequestOf(t.deps.db, alice.id))!.state).toBe("queued");
    expect(await ownerSignsIn()).toBe(303);
    expect(await burstMails()).toBe(0);
    const refused = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "recovery.stop_refused")
      .execute();
    expect(refused).toHaveLength(10);
    // The owner, from another network with the same link, still stops it.
    const owner = new FormClient(t.app, "192.0.2.99");
    await owner.get(stop.pathname + stop.search);
    t.clock.advance(30_000);
    const ok = await owner.post("/account/recovery/stop", { code: codeAt(secret, t.clock.now()) });
    expect(ok.statusCode).toBe(303);
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
    // Whoever asked for the recovery may read this mailbox: the mail must not say which factor the
    // owner holds.
    const cancelled = await mailTo(t, "alice@example.com", "Account recovery cancelled");
    expect(cancelled!.text).toContain("stopped by the account's owner");
    expect(cancelled!.text).not.toMatch(/totp|authenticator|security key|passkey|recovery code/i);
  });

  it("a stop link of a request that is closed, or forged, shows no code form", async () => {
    const started = await confirmedRequest(t, "alice", "alice@example.com");
    await started.post("/account/recovery/proofs", { api_token: "" });
    const mail = await mailTo(t, "alice@example.com", "waiting for review");
    const stop = new URL(findLink(mail!.text, "/account/recovery/stop")!);
    const cancel = new URL(findLink(mail!.text, "/account/recovery/cancel")!);
    const inbox = new FormClient(t.app);
    await inbox.get(cancel.pathname + cancel.search);
    await inbox.post("/account/recovery/cancel", { token: cancel.searchParams.get("token")! });
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
    for (const url of [stop.pathname + stop.search, "/account/recovery/stop?token=forged"]) {
      const page = await new FormClient(t.app).get(url);
      expect(page.statusCode).toBe(403);
      expect(page.body).not.toContain('name="code"');
    }
  });
});
