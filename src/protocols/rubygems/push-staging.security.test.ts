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

// Issue 16 item 6 on RubyGems: a project (or an enforced mandate) that wants token publishes approved
// by a maintainer. Gems have no staging here, so a push goes through only with a second factor given
// for it, as `npm publish --otp` does; an API key alone is refused, saying why and what to do, and
// nothing is stored. (Before this, gem push ignored the rule: a key alone published.)
describe.each(testDatabases())("gem push under a staging rule on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  // Without the gemspec's own rubygems_mfa_required, only the staging rule asks for a second factor.
  const gem = (version: string) =>
    gemOf(gemspecYaml({ platform: "ruby", version }).replace("  rubygems_mfa_required: 'true'\n", ""));
  const push = async (key: string, version: string, otp?: string) =>
    t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      payload: await gem(version),
      headers: { "content-type": "application/octet-stream", authorization: key, ...(otp ? { otp } : {}) },
    });
  const files = async () => (await t.deps.db.selectFrom("files").select("filename").execute()).length;

  it("refuses a key alone, naming the rule and how to push instead, storing nothing", async () => {
    const { token } = await maintainer(t, "alice");
    const first = await push(token, "1.0.0");
    expect(first.statusCode, first.body).toBe(200);
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
    const refused = await push(token, "1.0.1");
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(
      /The owners of 'hello-rg' require publishes from tokens to be approved by a maintainer; gems are not staged, so this push requires multifactor authentication: set up an authenticator app at .*\/account\/two-factor, then run the command again with --otp CODE/,
    );
    expect(await files()).toBe(1);
  });

  it("takes a push with an OTP, recording the factor; a phishing-resistant rule wants the security key", async () => {
    const web = await signedUp(t, "bob");
    const { secret } = await enrollTotp(t, web);
    const user = await t.deps.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "bob")
      .executeTakeFirstOrThrow();
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: t.clock.now() })
      .where("id", "=", user.id)
      .execute();
    const key = await tokenFor(t, user.id, null);
    const code = () => {
      t.clock.advance(30_000);
      return codeAt(secret, t.clock.now());
    };
    expect((await push(key, "1.0.0", code())).statusCode).toBe(200);
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
    const withOtp = await push(key, "1.0.1", code());
    expect(withOtp.statusCode, withOtp.body).toBe(200);
    const events = await t.deps.db
      .selectFrom("events")
      .select("data")
      .where("type", "=", "file.uploaded")
      .where("project_id", "is not", null)
      .execute();
    expect(events.map((e) => JSON.parse(e.data).secondFactor)).toEqual(["totp", "totp"]);
    await t.deps.db.updateTable("projects").set({ stage_requirement: "phishing-resistant" }).execute();
    const totpOnly = await push(key, "1.0.2", code());
    expect(totpOnly.statusCode).toBe(403);
    expect(totpOnly.body).toMatch(
      /with a security key or passkey; gems are not staged, so confirm this push with your security key in the browser/,
    );
    expect(await files()).toBe(2);
  });
});
