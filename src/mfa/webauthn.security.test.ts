import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import { addKey, postJson, SoftAuthenticator } from "./test-fixtures.js";
import { passwordStep, signedUp } from "./test-helpers.js";

type Ceremony = { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON };

// Threats against security keys and passkeys: replayed or re-purposed challenges, cloned keys, phished
// origins, keys used beyond what they were registered for, and lock-outs through rate limits.
describe.each(testDatabases())("WebAuthn threats on %s", (kind) => {
  let t: TestApp;
  const key = () => new SoftAuthenticator(t.deps.config.origin);
  const count = async (type: string) =>
    (await t.deps.db.selectFrom("events").select("id").where("type", "=", type).execute()).length;
  const sessionCount = async () =>
    (await t.deps.db.selectFrom("sessions").select("id_hash").execute()).length;

  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  async function withKeys() {
    const web = await signedUp(t, "alice");
    const blue = key();
    const phone = key();
    expect((await addKey(t, web, blue, "Blue key")).statusCode).toBe(200);
    expect((await addKey(t, web, phone, "Phone", "passkey")).statusCode).toBe(303);
    return { web, blue, phone };
  }

  const passkeyCeremony = async (web: FormClient) => {
    await web.get("/account/login");
    return (await postJson(t, web, "/account/login/passkey/options", {})).json() as Ceremony;
  };

  it("spends each challenge once: a replayed assertion or a raced pair signs in once", async () => {
    const { phone } = await withKeys();
    const anon = new FormClient(t.app, "10.0.0.9");
    const o = await passkeyCeremony(anon);
    const body = { challengeId: o.challengeId, response: phone.assert(o.options) };
    const [a, b] = await Promise.all([
      postJson(t, anon, "/account/login/passkey", body),
      postJson(t, anon, "/account/login/passkey", body),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 400]);
    // An attacker who copied the request replays it from a browser of their own.
    const attacker = new FormClient(t.app, "10.6.6.6");
    await attacker.get("/account/login");
    const before = await sessionCount();
    const replay = await postJson(t, attacker, "/account/login/passkey", body);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().code).toBe("CHALLENGE_INVALID");
    expect(await sessionCount()).toBe(before);
  });

  it("binds a challenge to its purpose, its user and five minutes", async () => {
    const { web, blue, phone } = await withKeys();
    // A passkey sign-in challenge cannot confirm sudo, and the reverse.
    const o = await passkeyCeremony(new FormClient(t.app, "10.0.0.8"));
    await web.get("/account/sudo");
    const cross = await postJson(t, web, "/account/sudo/passkey", {
      challengeId: o.challengeId,
      response: phone.assert(o.options),
    });
    expect(cross.json().code).toBe("CHALLENGE_INVALID");
    // Bob's second step cannot use a challenge issued to Alice's, nor Alice's key.
    const bob = await signedUp(t, "bob");
    await addKey(t, bob, key(), "Bob key");
    const aliceStep = await passwordStep(t, "alice", "10.0.1.1");
    const bobStep = await passwordStep(t, "bob", "10.0.1.2");
    const aliceOptions = (
      await postJson(t, aliceStep, "/account/login/webauthn/options", {})
    ).json() as Ceremony;
    const stolen = await postJson(t, bobStep, "/account/login/webauthn", {
      challengeId: aliceOptions.challengeId,
      response: blue.assert(aliceOptions.options),
    });
    expect(stolen.json().code).toBe("CHALLENGE_INVALID");
    const bobOptions = (await postJson(t, bobStep, "/account/login/webauthn/options", {})).json() as Ceremony;
    const wrongKey = await postJson(t, bobStep, "/account/login/webauthn", {
      challengeId: bobOptions.challengeId,
      response: blue.assert(bobOptions.options),
    });
    expect(wrongKey.json().code).toBe("WEBAUTHN_FAILED");
    // Expired.
    const late = (await postJson(t, aliceStep, "/account/login/webauthn/options", {})).json() as Ceremony;
    t.clock.advance(5 * 60_000 + 1);
    const expired = await postJson(t, aliceStep, "/account/login/webauthn", {
      challengeId: late.challengeId,
      response: blue.assert(late.options),
    });
    expect(expired.json().code).toBe("CHALLENGE_INVALID");
  });

  it("refuses assertions signed for another origin or RP ID (a phishing proxy)", async () => {
    const { phone } = await withKeys();
    const anon = new FormClient(t.app, "10.0.0.7");
    for (const over of [{ origin: "https://wharf-login.example" }, { rpId: "wharf-login.example" }]) {
      const o = await passkeyCeremony(anon);
      const res = await postJson(t, anon, "/account/login/passkey", {
        challengeId: o.challengeId,
        response: phone.assert(o.options, over),
      });
      expect(res.json().code).toBe("WEBAUTHN_FAILED");
    }
  });

  it("refuses a passkey sign-in without user verification, or with a second-factor key", async () => {
    const { blue, phone } = await withKeys();
    const anon = new FormClient(t.app, "10.0.0.6");
    let o = await passkeyCeremony(anon);
    const noUv = await postJson(t, anon, "/account/login/passkey", {
      challengeId: o.challengeId,
      response: phone.assert(o.options, { uv: false }),
    });
    expect(noUv.json().code).toBe("WEBAUTHN_FAILED");
    o = await passkeyCeremony(anon);
    const secondFactor = await postJson(t, anon, "/account/login/passkey", {
      challengeId: o.challengeId,
      response: blue.assert(o.options),
    });
    expect(secondFactor.statusCode).toBe(400);
    expect(secondFactor.json().error).toContain("not a passkey");
    expect(await count("login.success")).toBe(1); // the registration's
  });

  it("refuses a counter that went backwards, records it, mails the owner and keeps the stored value", async () => {
    const { blue } = await withKeys();
    const step = await passwordStep(t, "alice", "10.0.2.1");
    const ok = (await postJson(t, step, "/account/login/webauthn/options", {})).json() as Ceremony;
    blue.counter = 41;
    expect(
      (
        await postJson(t, step, "/account/login/webauthn", {
          challengeId: ok.challengeId,
          response: blue.assert(ok.options),
        })
      ).statusCode,
    ).toBe(200);
    const again = await passwordStep(t, "alice", "10.0.2.2");
    const o = (await postJson(t, again, "/account/login/webauthn/options", {})).json() as Ceremony;
    const res = await postJson(t, again, "/account/login/webauthn", {
      challengeId: o.challengeId,
      response: blue.assert(o.options, { counter: 42 - 5 }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("COUNTER_REGRESSED");
    expect(await count("mfa.counter_regression")).toBe(1);
    const mail = (await t.outbox()).find((m) => m.subject.includes("possibly cloned"));
    expect(mail?.text).toContain("Blue key");
    const stored = await t.deps.db
      .selectFrom("webauthn_credentials")
      .select("counter")
      .where("label", "=", "Blue key")
      .executeTakeFirstOrThrow();
    expect(Number(stored.counter)).toBe(42);
    // A forged assertion (bad signature) is not reported as a clone: nobody proved they hold the key.
    const o2 = (await postJson(t, again, "/account/login/webauthn/options", {})).json() as Ceremony;
    const forged = blue.assert(o2.options, { counter: 1 });
    forged.response.signature = forged.response.signature.replace(/^.{4}/, "AAAA");
    await postJson(t, again, "/account/login/webauthn", { challengeId: o2.challengeId, response: forged });
    expect(await count("mfa.counter_regression")).toBe(1);
  });

  it("never charges keys to the TOTP limits, but caps passkey requests per IP", async () => {
    const { blue } = await withKeys();
    // Ten failed key assertions in a row would exhaust the 5-per-5-minutes code budget twice over.
    const step = await passwordStep(t, "alice", "10.0.3.1");
    for (let i = 0; i < 10; i++) {
      const o = (await postJson(t, step, "/account/login/webauthn/options", {})).json() as Ceremony;
      await postJson(t, step, "/account/login/webauthn", {
        challengeId: o.challengeId,
        response: { id: "x" },
      });
    }
    const o = (await postJson(t, step, "/account/login/webauthn/options", {})).json() as Ceremony;
    const res = await postJson(t, step, "/account/login/webauthn", {
      challengeId: o.challengeId,
      response: blue.assert(o.options),
    });
    expect(res.statusCode).toBe(200);

    const anon = new FormClient(t.app, "10.0.3.9");
    await anon.get("/account/login");
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await postJson(t, anon, "/account/login/passkey/options", {})).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await postJson(t, anon, "/account/login/passkey/options", {});
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect(limited.json().error).toContain("Too many attempts");
  });

  it("lets one of two racing enrollments with the same name win, and makes only one first factor", async () => {
    const web = await signedUp(t, "alice");
    await web.get("/account/two-factor/keys");
    const prepared = [];
    for (const label of ["Twin", "twin"]) {
      const o = (
        await postJson(t, web, "/account/two-factor/keys/options", { kind: "security-key", label })
      ).json();
      prepared.push({
        label,
        key_kind: "security-key",
        challenge_id: o.challengeId,
        response: JSON.stringify(key().register(o.options)),
      });
    }
    const results = await Promise.all(prepared.map((form) => web.post("/account/two-factor/keys", form)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await count("mfa.key_added")).toBe(1);
    expect(await count("mfa.recovery_codes_generated")).toBe(1);
  });

  it("needs sudo to add a key, and a CSRF header for every JSON request", async () => {
    const web = await signedUp(t, "alice");
    await web.get("/account/two-factor/keys");
    const noCsrf = await t.app.inject({
      method: "POST",
      url: "/account/two-factor/keys/options",
      payload: { kind: "passkey", label: "X" },
      headers: { cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe("CSRF_INVALID");
    const o = (
      await postJson(t, web, "/account/two-factor/keys/options", { kind: "passkey", label: "X" })
    ).json();
    t.clock.advance(16 * 60_000);
    const res = await web.post("/account/two-factor/keys", {
      label: "X",
      key_kind: "passkey",
      challenge_id: o.challengeId,
      response: JSON.stringify(key().register(o.options)),
    });
    expect(res.headers.location).toContain("/account/sudo");
    expect(await count("mfa.key_added")).toBe(0);
  });
});
