import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gemspecYaml } from "../../ecosystems/rubygems/test-fixtures.js";
import { codeAt, enrollTotp, signedUp } from "../../mfa/test-helpers.js";
import {
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  tokenFor,
} from "../../test-support/index.js";
import { gemOf } from "./test-fixtures.js";

// RubyGems' MFA on the writes after push: the OTP header on yank and owner changes (a TOTP spent once,
// or a recovery code), and a gem whose gemspec says rubygems_mfa_required, which then needs a second
// factor from every owner — including one who has none yet.
describe.each(testDatabases())("gem yank and gem owner with a second factor on %s", (kind) => {
  let t: TestApp;
  let alice: string;
  let secret: string;
  let recovery: string[];
  beforeEach(async () => {
    t = await createTestApp(kind);
    const web = await signedUp(t, "alice");
    ({ secret, codes: recovery } = await enrollTotp(t, web));
    const user = await t.deps.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "alice")
      .executeTakeFirstOrThrow();
    // Signed up through the pages; the address is taken as verified (the mail round trip is tested elsewhere).
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: t.clock.now() })
      .where("id", "=", user.id)
      .execute();
    alice = await tokenFor(t, user.id, null);
  });
  afterEach(async () => {
    await t.close();
  });

  /** A fresh code: the clock moves one TOTP step, so no code is spent twice by accident. */
  const code = () => {
    t.clock.advance(30_000);
    return codeAt(secret, t.clock.now());
  };
  const send = (
    method: "POST" | "DELETE",
    url: string,
    body: Record<string, string>,
    key: string,
    otp?: string,
  ) =>
    t.app.inject({
      method,
      url,
      payload: new URLSearchParams(body).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: key,
        ...(otp ? { otp } : {}),
      },
    });
  const push = async (version: string) =>
    t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      // The fixture's gemspec carries rubygems_mfa_required: 'true'.
      payload: await gemOf(gemspecYaml({ platform: "ruby", version })),
      headers: { "content-type": "application/octet-stream", authorization: alice, otp: code() },
    });

  it("asks for the code on yank, refuses a replayed one, and takes a fresh one", async () => {
    const first = await push("1.0.0");
    expect(first.statusCode, first.body).toBe(200);
    const body = { gem_name: "hello-rg", version: "1.0.0" };
    const none = await send("DELETE", "/rubygems/api/v1/gems/yank", body, alice);
    expect(none.statusCode).toBe(401);
    expect(none.body).toMatch(/^You have enabled multifactor authentication/);
    const used = code();
    expect((await send("DELETE", "/rubygems/api/v1/gems/yank", body, alice, used)).statusCode).toBe(200);
    expect((await push("1.0.1")).statusCode).toBe(200);
    const replay = await send(
      "DELETE",
      "/rubygems/api/v1/gems/yank",
      { ...body, version: "1.0.1" },
      alice,
      used,
    );
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toMatch(/^You have enabled multifactor authentication/);
    expect(
      (
        await t.deps.db
          .selectFrom("releases")
          .select("yanked_at")
          .where("version", "=", "1.0.1")
          .executeTakeFirst()
      )?.yanked_at,
    ).toBeNull();
  });

  it("a gem requiring MFA refuses an owner without a factor, and a recovery code works in the OTP header", async () => {
    const first = await push("1.0.0");
    expect(first.statusCode, first.body).toBe(200);
    const bob = (await maintainer(t, "bob")).token;
    const url = "/rubygems/api/v1/gems/hello-rg/owners";
    const added = await send("POST", url, { email: "bob" }, alice, recovery[0]);
    expect(added.statusCode, added.body).toBe(200);
    const bobYanks = await send(
      "DELETE",
      "/rubygems/api/v1/gems/yank",
      { gem_name: "hello-rg", version: "1.0.0" },
      bob,
    );
    expect(bobYanks.statusCode).toBe(403);
    expect(bobYanks.body).toMatch(
      /The gem hello-rg requires multifactor authentication: set up an authenticator app/,
    );
    const bobAdds = await send("POST", url, { email: "alice" }, bob);
    expect(bobAdds.statusCode).toBe(403);
    const again = await send("DELETE", url, { email: "bob" }, alice, recovery[0]);
    expect(again.statusCode).toBe(401);
    expect((await send("DELETE", url, { email: "bob" }, alice, recovery[1])).statusCode).toBe(200);
  });
});
