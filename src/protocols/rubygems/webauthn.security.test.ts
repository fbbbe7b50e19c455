import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSession } from "../../accounts/index.js";
import { gemspecYaml } from "../../ecosystems/rubygems/test-fixtures.js";
import {
  createTestApp,
  FormClient,
  maintainer,
  type TestApp,
  testDatabases,
} from "../../test-support/index.js";
import { gemOf } from "./test-fixtures.js";

const yamlOf = (version: string) =>
  gemspecYaml({ name: "keyed-gem", version, platform: "ruby" }).replace(
    "  rubygems_mfa_required: 'true'\n",
    "  x: 'y'\n",
  );
const path = (url: string) => new URL(url).pathname;

// The WebAuthn hand-off as gem >= 3.4 drives it (gemcutter_utilities.rb fetch_otp, webauthn_poller.rb):
// the machine's gem (3.3) does not speak it, so these are the HTTP requests the newer client makes.
describe.each(testDatabases())("gem WebAuthn verification on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof maintainer>>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await maintainer(t, "alice");
    // A security key only: no authenticator app, so a code can come only from the browser (or a recovery code).
    await t.deps.db
      .insertInto("webauthn_credentials")
      .values({
        id: "k1",
        user_id: alice.user.id,
        credential_id: "cred",
        public_key: "pk",
        counter: 0,
        transports: "[]",
        aaguid: "",
        backup_eligible: 0,
        backup_state: 0,
        is_passkey: 0,
        label: "Blue key",
        created_at: t.clock.now(),
        last_used_at: null,
      })
      .execute();
  });
  afterEach(async () => {
    await t.close();
  });

  const push = (version: string, otp?: string) =>
    gemOf(yamlOf(version)).then((payload) =>
      t.app.inject({
        method: "POST",
        url: "/rubygems/api/v1/gems",
        payload,
        headers: {
          "content-type": "application/octet-stream",
          authorization: alice.token,
          ...(otp ? { otp } : {}),
        },
      }),
    );
  const verification = (authorization: string) =>
    t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/webauthn_verification",
      headers: { authorization },
    });
  const status = (url: string, authorization = alice.token) =>
    t.app.inject({
      url: `/rubygems/api/v1/webauthn_verification/${url.split("/").pop()}/status.json`,
      headers: { authorization },
    });
  const basic = (login: string, password: string) =>
    `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;

  /** The person in the browser: signed in with the key, in sudo, answering the page gem printed. */
  async function answer(url: string, choice: "confirm" | "deny") {
    const browser = new FormClient(t.app);
    const { cookie } = await startSession(t.deps, { ip: "127.0.0.1" }, alice.user, {
      method: "webauthn",
      phishingResistant: true,
    });
    browser.cookies.set("wharf_session", cookie);
    const page = await browser.get(`${path(url)}?port=41234`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Confirm the gem command");
    await browser.post(path(url), { answer: choice });
  }

  it("hands a security-key user's confirmation to gem as a one-time code, spent once by the next write", async () => {
    const refused = await push("1.0.0");
    expect(refused.statusCode).toBe(401);
    expect(refused.body.startsWith("You have enabled multifactor authentication")).toBe(true);

    const asked = await verification(alice.token);
    expect(asked.statusCode).toBe(200);
    expect(asked.headers["content-type"]).toMatch(/^text\/plain/);
    const url = asked.body;
    expect(url).toMatch(new RegExp(`^${t.deps.config.origin}/gem-cli/confirm/[A-Za-z0-9_-]{24}$`));
    expect((await status(url)).json()).toMatchObject({ status: "pending" });
    // Another account's key (or no credentials) cannot read it.
    const bob = await maintainer(t, "bob");
    expect((await status(url, bob.token)).json()).toMatchObject({ status: "not_found" });
    expect((await status(url, "")).statusCode).toBe(401);

    await answer(url, "confirm");
    const done = await status(url);
    expect(done.headers["cache-control"]).toBe("no-store");
    const { status: state, code } = done.json();
    expect(state).toBe("success");
    expect(code).toMatch(/^webotp_/);
    expect((await status(url)).json()).toMatchObject({ status: "expired" });

    expect((await push("1.0.0", code)).statusCode).toBe(200);
    const again = await push("1.0.1", code);
    expect(again.statusCode).toBe(401);
    expect(again.body).toContain("expired or was already used");
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("user_id", "=", alice.user.id)
      .execute();
    expect(events.map((e) => e.type)).toContain("cli.web_auth_confirmed");
  });

  it("takes gem signin's email and password, ends a denied confirmation, and sends users without a key to their codes", async () => {
    const asked = await verification(basic("alice@example.com", "correct horse battery"));
    expect(asked.statusCode).toBe(200);
    expect(await verification(basic("alice@example.com", "wrong password")).then((r) => r.statusCode)).toBe(
      401,
    );
    await answer(asked.body, "deny");
    const denied = await status(asked.body, basic("alice", "correct horse battery"));
    expect(denied.json()).toMatchObject({ status: "denied" });

    const bob = await maintainer(t, "bob");
    const none = await verification(bob.token);
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain("You don't have any security devices enabled");
    expect((await status("x", alice.token)).json()).toMatchObject({ status: "not_found" });
  });
});
