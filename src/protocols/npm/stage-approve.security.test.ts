import { HOTP, Secret } from "otpauth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

/**
 * Issue 16, "Bad input", for staged releases as the npm CLI speaks them (`npm stage approve|reject`):
 * no approval without a second factor given for it, none by someone who is not a maintainer, exactly
 * one of two concurrent decisions wins, and a version published meanwhile cannot be approved — each
 * refused in npm's dialect ({error}, or the OTP challenge npm prompts on), with nothing half-written.
 * (The domain rules are in staging/staging.security.test.ts; this is the surface npm reaches.)
 */
describe.each(testDatabases())("npm stage approve/reject refusals on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof totpUser>>;

  async function totpUser(username: string) {
    const u = await npmUser(t, username);
    const call = (payload: unknown) =>
      t.app.inject({
        method: "POST",
        url: "/npm/-/npm/v1/user",
        headers: { ...u.auth, "content-type": "application/json" },
        payload: JSON.stringify(payload),
      });
    const uri: string = (
      await call({ tfa: { password: "correct horse battery", mode: "auth-and-writes" } })
    ).json().tfa;
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    const code = () =>
      HOTP.generate({
        secret: Secret.fromBase32(secret),
        counter: Math.floor(t.clock.now() / 30_000),
        digits: 6,
      });
    const done = await call({ tfa: [code()] });
    expect(done.statusCode, done.body).toBe(200);
    t.clock.advance(30_000);
    // Each call gets a fresh time step: a TOTP code is spent once.
    const otp = () => {
      t.clock.advance(30_000);
      return code();
    };
    return { ...u, otp, recovery: done.json().tfa as string[] };
  }

  const send = (
    method: "PUT" | "POST" | "DELETE" | "GET",
    url: string,
    auth: Record<string, string>,
    o: { body?: unknown; otp?: string } = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        ...auth,
        ...(o.body === undefined ? {} : { "content-type": "application/json" }),
        ...(o.otp ? { "npm-otp": o.otp } : {}),
      },
      ...(o.body === undefined ? {} : { payload: JSON.stringify(o.body) }),
    });
  const stage = async (version: string) => {
    const res = await send("POST", `/npm/-/stage/package/${escaped("demo")}`, alice.auth, {
      body: await publishBody("demo", version),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().stageId as string;
  };
  const versions = async () =>
    Object.keys((await t.app.inject({ method: "GET", url: "/npm/demo" })).json().versions ?? {}).sort();

  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await totpUser("alice");
    const first = await send("PUT", `/npm/${escaped("demo")}`, alice.auth, {
      body: await publishBody("demo", "1.0.0"),
      otp: alice.otp(),
    });
    expect(first.statusCode, first.body).toBe(201);
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
  });
  afterEach(() => t.close());

  it("asks a second factor to approve or reject, and a non-maintainer finds no such staged release", async () => {
    const id = await stage("2.0.0");
    for (const [method, url] of [
      ["POST", `/npm/-/stage/${id}/approve`],
      ["DELETE", `/npm/-/stage/${id}`],
    ] as const) {
      const res = await send(method, url, alice.auth);
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("OTP");
      expect(res.json().error).toMatch(
        /the staged demo@2.0.0\) requires a one-time password.*Pass --otp=<code>/,
      );
    }
    const wrong = await send("POST", `/npm/-/stage/${id}/approve`, alice.auth, { otp: "000000" });
    expect(wrong.statusCode).toBe(401);
    const bob = await totpUser("bob");
    const stranger = await send("POST", `/npm/-/stage/${id}/approve`, bob.auth, { otp: bob.otp() });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error).toBe("No such staged release.");
    expect(await versions()).toEqual(["1.0.0"]);
    const ok = await send("POST", `/npm/-/stage/${id}/approve`, alice.auth, { otp: alice.otp() });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await versions()).toEqual(["1.0.0", "2.0.0"]);
  });

  it("of concurrent approvals and rejections with valid second factors, exactly one wins", async () => {
    const id = await stage("3.0.0");
    const codes = alice.recovery.slice(0, 4);
    const results = await Promise.all(
      codes.map((otp, i) =>
        i % 2
          ? send("DELETE", `/npm/-/stage/${id}`, alice.auth, { otp })
          : send("POST", `/npm/-/stage/${id}/approve`, alice.auth, { otp }),
      ),
    );
    const won = results.filter((r) => r.statusCode === 200);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect([404, 409]).toContain(r.statusCode);
      expect(r.json().error).toMatch(/No such staged release|already approved, rejected or expired/);
    }
    const approved = won[0]!.json().version === "3.0.0";
    expect(await versions()).toEqual(approved ? ["1.0.0", "3.0.0"] : ["1.0.0"]);
  });

  it("a staged version published meanwhile cannot be approved, and says what to do", async () => {
    const id = await stage("4.0.0");
    // With a second factor given for it, a publish goes straight through (the staging rule's way out).
    const direct = await send("PUT", `/npm/${escaped("demo")}`, alice.auth, {
      body: await publishBody("demo", "4.0.0"),
      otp: alice.otp(),
    });
    expect(direct.statusCode, direct.body).toBe(201);
    const late = await send("POST", `/npm/-/stage/${id}/approve`, alice.auth, { otp: alice.otp() });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toBe(
      "demo 4.0.0 was published meanwhile; reject this staged release and stage a new version.",
    );
    // Nothing half-way: the directly published 4.0.0 stands, and the staged one is still there to reject.
    expect(await versions()).toEqual(["1.0.0", "4.0.0"]);
    const reject = await send("DELETE", `/npm/-/stage/${id}`, alice.auth, { otp: alice.otp() });
    expect(reject.statusCode, reject.body).toBe(200);
  });
});
