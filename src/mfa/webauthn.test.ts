import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { addKey, postJson, SoftAuthenticator } from "./test-fixtures.js";
import { enrollTotp, passwordStep, signedUp } from "./test-helpers.js";

type Ceremony = { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON };

describe.each(testDatabases())("security keys and passkeys on %s", (kind) => {
  let t: TestApp;
  const key = () => new SoftAuthenticator(t.deps.config.origin);
  const events = async (type: string) =>
    (await t.deps.db.selectFrom("events").select("data").where("type", "=", type).execute()).map(
      (e) => JSON.parse(e.data) as Record<string, unknown>,
    );

  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("offers registration options from WHARF_ORIGIN with the user's keys excluded", async () => {
    const web = await signedUp(t, "alice");
    const first = key();
    expect((await addKey(t, web, first, "Blue key")).statusCode).toBe(200);
    await web.get("/account/two-factor/keys");
    const res = await postJson(t, web, "/account/two-factor/keys/options", {
      kind: "passkey",
      label: "Phone",
    });
    expect(res.statusCode).toBe(200);
    const { options } = res.json();
    expect(options.rp).toEqual({ name: "Wharf", id: "localhost" });
    expect(options.attestation).toBe("none");
    expect(options.excludeCredentials).toEqual([{ id: first.id, type: "public-key", transports: ["usb"] }]);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: "required",
      userVerification: "required",
    });
    const sk = await postJson(t, web, "/account/two-factor/keys/options", {
      kind: "security-key",
      label: "Other",
    });
    expect(sk.json().options.authenticatorSelection).toMatchObject({
      residentKey: "discouraged",
      userVerification: "preferred",
    });
    // The Host header does not choose the relying party.
    const spoofed = await t.app.inject({
      method: "POST",
      url: "/account/two-factor/keys/options",
      payload: { kind: "security-key", label: "Third" },
      headers: {
        host: "evil.example",
        "x-csrf-token": web.csrf,
        cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
    expect(spoofed.json().options.rp.id).toBe("localhost");
  });

  it("shows recovery codes once when the first factor is a key, and mails the owner", async () => {
    const web = await signedUp(t, "alice");
    const res = await addKey(t, web, key(), "Blue key");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="recovery-codes"');
    expect([...res.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)]).toHaveLength(10);
    const again = await addKey(t, web, key(), "Green key");
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe("/account/two-factor/keys");
    const page = await web.get("/account/two-factor/keys");
    expect(page.body).not.toContain("recovery-codes");
    expect(page.body).toContain('data-key="Green key"');
    expect(await events("mfa.key_added")).toEqual([
      { label: "Blue key", kind: "security-key" },
      { label: "Green key", kind: "security-key" },
    ]);
    expect(await events("mfa.recovery_codes_generated")).toHaveLength(1);
    const subjects = (await t.outbox()).map((m) => m.subject);
    expect(subjects.filter((s) => s.includes("Security key added"))).toHaveLength(2);
  });

  it("requires a label of 1–64 characters, unique per user ignoring case", async () => {
    const web = await signedUp(t, "alice");
    await addKey(t, web, key(), "Blue key");
    for (const [label, status, message] of [
      ["", 400, "1 to 64"],
      ["x".repeat(65), 400, "1 to 64"],
      ["  BLUE key ", 409, "already have a key with that name"],
    ] as const) {
      const res = await addKey(t, web, key(), label);
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toContain(message);
    }
    // Another user may use the same name.
    const bob = await signedUp(t, "bob");
    expect((await addKey(t, bob, key(), "Blue key")).statusCode).toBe(200);
  });

  it("renames a key under sudo and records it", async () => {
    const web = await signedUp(t, "alice");
    await addKey(t, web, key(), "Blue key");
    await addKey(t, web, key(), "Green key");
    const id = (
      await t.deps.db
        .selectFrom("webauthn_credentials")
        .select("id")
        .where("label", "=", "Blue key")
        .executeTakeFirstOrThrow()
    ).id;
    await web.get("/account/two-factor/keys");
    const taken = await web.post(`/account/two-factor/keys/${id}/rename`, { label: "green KEY" });
    expect(taken.statusCode).toBe(303);
    expect((await web.get("/account/two-factor/keys")).body).toContain("already have a key with that name");
    await web.post(`/account/two-factor/keys/${id}/rename`, { label: "Blue YubiKey" });
    expect((await web.get("/account/two-factor/keys")).body).toContain('data-key="Blue YubiKey"');
    expect(await events("mfa.key_renamed")).toEqual([
      { from: "Blue key", to: "Blue YubiKey", kind: "security-key" },
    ]);

    t.clock.advance(16 * 60_000);
    const late = await web.post(`/account/two-factor/keys/${id}/rename`, { label: "Too late" });
    expect(late.headers.location).toContain("/account/sudo");
    expect(await events("mfa.key_renamed")).toHaveLength(1);
  });

  it("completes the second step with a key, phishing-resistant and without a new-browser mail", async () => {
    const web = await signedUp(t, "alice");
    await enrollTotp(t, web);
    const blue = key();
    await addKey(t, web, blue, "Blue key");
    const step = await passwordStep(t, "alice");
    const o = await postJson(t, step, "/account/login/webauthn/options", {});
    expect(o.statusCode).toBe(200);
    const { challengeId, options } = o.json() as Ceremony;
    expect(options.allowCredentials).toEqual([{ id: blue.id, type: "public-key", transports: ["usb"] }]);
    expect(options.userVerification).toBe("preferred");
    const mailsBefore = (await t.outbox()).length;
    const done = await postJson(t, step, "/account/login/webauthn", {
      challengeId,
      response: blue.assert(options, { uv: false }),
      next: "/account/tokens",
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ ok: true, redirect: "/account/tokens" });
    expect(step.cookies.has("wharf_login_step")).toBe(false);
    expect((await step.get("/account/")).statusCode).toBe(200);
    const sessions = await t.deps.db
      .selectFrom("sessions")
      .selectAll()
      .where("auth_method", "=", "webauthn")
      .execute();
    expect(sessions.map((s) => s.phishing_resistant)).toEqual([1]);
    expect((await t.outbox()).length).toBe(mailsBefore);
    const stored = await t.deps.db.selectFrom("webauthn_credentials").selectAll().executeTakeFirstOrThrow();
    expect(Number(stored.counter)).toBe(1);
    expect(stored.last_used_at).toBe(t.clock.now());
  });

  it("names a passkey a passkey in its mail and the security history, never a security key", async () => {
    const web = await signedUp(t, "alice");
    await addKey(t, web, key(), "Phone", "passkey");
    const history = (await web.get("/account/security-history")).body;
    expect(history).toContain("Passkey added");
    expect(history).not.toContain("Security key added");
    const subjects = (await t.outbox()).map((m) => m.subject);
    expect(subjects.filter((s) => s.includes("Passkey added"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("Security key added"))).toHaveLength(0);
  });

  it("signs in with a passkey alone (user verified), honouring next", async () => {
    const web = await signedUp(t, "alice");
    const phone = key();
    await addKey(t, web, phone, "Phone", "passkey");
    const anon = new FormClient(t.app, "10.9.0.1");
    const login = await anon.get("/account/login?next=%2Faccount%2Ftokens");
    expect(textOf(login.body, "webauthn-login-button")).toBe("Sign in with a passkey");
    const o = await postJson(t, anon, "/account/login/passkey/options", {});
    const { challengeId, options } = o.json() as Ceremony;
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe("required");
    const done = await postJson(t, anon, "/account/login/passkey", {
      challengeId,
      response: phone.assert(options),
      next: "/account/tokens",
    });
    expect(done.json()).toEqual({ ok: true, redirect: "/account/tokens" });
    expect((await anon.get("/account/")).statusCode).toBe(200);
    expect((await events("login.success")).at(-1)).toEqual({ method: "passkey", phishingResistant: true });
    // An open redirect is not honoured.
    const o2 = (await postJson(t, anon, "/account/login/passkey/options", {})).json() as Ceremony;
    const evil = await postJson(t, anon, "/account/login/passkey", {
      challengeId: o2.challengeId,
      response: phone.assert(o2.options),
      next: "//evil.example/",
    });
    expect(evil.json().redirect).toBe("/account/");
  });

  it("enters sudo mode with a passkey", async () => {
    const web = await signedUp(t, "alice");
    const phone = key();
    await addKey(t, web, phone, "Phone", "passkey");
    t.clock.advance(16 * 60_000);
    await web.get("/account/sudo?next=%2Faccount%2Ftwo-factor%2Fkeys");
    const refused = await postJson(t, web, "/account/two-factor/keys/options", {
      kind: "passkey",
      label: "X",
    });
    expect(refused.statusCode).toBe(403);
    const o = (await postJson(t, web, "/account/sudo/passkey/options", {})).json() as Ceremony;
    expect(o.options.userVerification).toBe("required");
    const done = await postJson(t, web, "/account/sudo/passkey", {
      challengeId: o.challengeId,
      response: phone.assert(o.options),
      next: "/account/two-factor/keys",
    });
    expect(done.json()).toEqual({ ok: true, redirect: "/account/two-factor/keys" });
    expect((await web.get("/account/two-factor/keys")).statusCode).toBe(200);
    expect((await events("sudo.entered")).at(-1)).toEqual({ method: "passkey" });
  });
});
