import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeAt } from "../../mfa/test-helpers.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

const PASSWORD = "correct horse battery";

/** The body `npm trust github demo --repo acme/demo --file release.yml --allow-publish` sends. */
const github = (
  o: { repository?: string; file?: string; environment?: string; permissions?: string[] } = {},
) => [
  {
    type: "github",
    claims: {
      repository: o.repository ?? "acme/demo",
      workflow_ref: { file: o.file ?? "release.yml" },
      ...(o.environment ? { environment: o.environment } : {}),
    },
    permissions: o.permissions ?? ["createPackage"],
  },
];

describe.each(testDatabases())("npm trust (/-/package/<name>/trust) on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof npmUser>>;
  let bob: Awaited<ReturnType<typeof npmUser>>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await npmUser(t, "alice");
    bob = await npmUser(t, "bob");
  });
  afterEach(async () => {
    await t.close();
  });

  const call = (
    who: { auth: Record<string, string> },
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    payload?: unknown,
    otp?: string,
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        ...who.auth,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...(otp ? { "npm-otp": otp } : {}),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const trustUrl = (name: string) => `/npm/-/package/${escaped(name)}/trust`;

  /** `npm profile enable-2fa auth-and-writes`, through the registry like the CLI does it. */
  async function enableTotp(who: typeof alice): Promise<string> {
    const start = await call(who, "POST", "/npm/-/npm/v1/user", {
      tfa: { password: PASSWORD, mode: "auth-only" },
    });
    const secret = new URL(start.json().tfa).searchParams.get("secret")!;
    const done = await call(who, "POST", "/npm/-/npm/v1/user", { tfa: [codeAt(secret, t.clock.now())] });
    expect(done.statusCode, done.body).toBe(200);
    t.clock.advance(30_000);
    return secret;
  }
  /** A fresh code each time (a TOTP step is accepted once). */
  const otp = (secret: string) => {
    t.clock.advance(30_000);
    return codeAt(secret, t.clock.now());
  };

  async function setup(name = "demo") {
    const res = await call(alice, "PUT", `/npm/${escaped(name)}`, await publishBody(name, "1.0.0"));
    expect(res.statusCode, res.body).toBe(201);
    return enableTotp(alice);
  }

  it("adds, lists and revokes a GitHub publisher, each behind the one-time password", async () => {
    const secret = await setup();
    const challenge = await call(alice, "POST", trustUrl("demo"), github({ environment: "npm" }));
    expect(challenge.statusCode).toBe(401);
    expect(challenge.headers["www-authenticate"]).toBe("OTP");
    expect(await t.deps.db.selectFrom("trusted_publishers").selectAll().execute()).toHaveLength(0);

    const added = await call(alice, "POST", trustUrl("demo"), github({ environment: "npm" }), otp(secret));
    expect(added.statusCode, added.body).toBe(201);
    const [config] = added.json();
    expect(config).toMatchObject({
      type: "github",
      claims: { repository: "acme/demo", workflow_ref: { file: "release.yml" }, environment: "npm" },
      permissions: ["createPackage"],
    });
    expect(typeof config.id).toBe("string");

    expect((await call(alice, "GET", trustUrl("demo"))).statusCode).toBe(401);
    const list = await call(alice, "GET", trustUrl("demo"), undefined, otp(secret));
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([config]);

    const gone = await call(alice, "DELETE", `${trustUrl("demo")}/${config.id}`, undefined, otp(secret));
    expect(gone.statusCode, gone.body).toBe(204);
    expect((await call(alice, "GET", trustUrl("demo"), undefined, otp(secret))).json()).toEqual([]);
  });

  it("adds a GitLab publisher for a scoped package with npm's claim names", async () => {
    const secret = await setup("@alice/tool");
    const body = [
      {
        type: "gitlab",
        claims: { project_path: "acme/sub/tool", ci_config_ref_uri: { file: ".gitlab-ci.yml" } },
        permissions: ["createPackage", "createStagedPackage"],
      },
    ];
    const added = await call(alice, "POST", trustUrl("@alice/tool"), body, otp(secret));
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()[0]).toMatchObject({
      type: "gitlab",
      claims: { project_path: "acme/sub/tool", ci_config_ref_uri: { file: ".gitlab-ci.yml" } },
    });
    // The scoped name as npm escapes it and as a path both reach the package.
    const list = await call(alice, "GET", "/npm/-/package/@alice/tool/trust", undefined, otp(secret));
    expect(list.json()).toHaveLength(1);
  });

  it("mails every owner when a publisher is added or revoked, and writes the project history", async () => {
    const secret = await setup();
    const added = await call(alice, "POST", trustUrl("demo"), github(), otp(secret));
    const { id } = added.json()[0];
    await call(alice, "DELETE", `${trustUrl("demo")}/${id}`, undefined, otp(secret));
    const mails = (await t.outbox()).filter((m) => m.subject.includes("trusted publisher"));
    expect(mails.map((m) => m.subject)).toEqual([
      expect.stringContaining("A trusted publisher was added to demo"),
      expect.stringContaining("A trusted publisher was removed from demo"),
    ]);
    expect(mails[0]!.to).toContain("alice@example.com");
    expect(mails[0]!.text).toContain("GitHub acme/demo, workflow release.yml, any environment");
    expect(mails[0]!.text).toContain("with npm trust");
    expect(mails[0]!.text).toContain("/manage/package/demo/#publishing");
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("project_id", "is not", null)
      .where("type", "like", "trusted_publisher.%")
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.type)).toEqual(["trusted_publisher.added", "trusted_publisher.removed"]);
  });

  it("refuses non-owners, accounts without 2FA, read-only bodies it does not know, and stage-only configs", async () => {
    const secret = await setup();
    // bob is nobody on demo: refused before any one-time password is asked.
    const stranger = await call(bob, "POST", trustUrl("demo"), github());
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().error).toContain("owner");

    // An owner without a second factor is told to enable one (npm's own rule for trust).
    const res = await call(bob, "PUT", `/npm/${escaped("other")}`, await publishBody("other", "1.0.0"));
    expect(res.statusCode).toBe(201);
    const noTfa = await call(bob, "POST", trustUrl("other"), github());
    expect(noTfa.statusCode).toBe(403);
    expect(noTfa.json().error).toContain("two-factor authentication");

    const circle = [{ type: "circleci", claims: {}, permissions: ["createPackage"] }];
    const refused = await call(alice, "POST", trustUrl("demo"), circle, otp(secret));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toContain("GitHub Actions and GitLab CI/CD");
    const stageOnly = await call(
      alice,
      "POST",
      trustUrl("demo"),
      github({ permissions: ["createStagedPackage"] }),
    );
    expect(stageOnly.statusCode).toBe(400);
    expect(stageOnly.json().error).toContain("--allow-publish");
    const badRepo = await call(
      alice,
      "POST",
      trustUrl("demo"),
      github({ repository: "no-slash" }),
      otp(secret),
    );
    expect(badRepo.statusCode).toBe(400);
    expect(badRepo.json().error).toContain("owner/name");
    const badFile = await call(alice, "POST", trustUrl("demo"), github({ file: "../x.yml" }), otp(secret));
    expect(badFile.statusCode).toBe(400);
    expect(await t.deps.db.selectFrom("trusted_publishers").selectAll().execute()).toHaveLength(0);
  });

  it("refuses a second identical publisher and revoking another package's publisher id", async () => {
    const secret = await setup();
    const first = await call(alice, "POST", trustUrl("demo"), github(), otp(secret));
    const again = await call(alice, "POST", trustUrl("demo"), github(), otp(secret));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toContain("already configured");

    const res = await call(alice, "PUT", `/npm/${escaped("second")}`, await publishBody("second", "1.0.0"));
    expect(res.statusCode).toBe(201);
    const id = first.json()[0].id;
    const cross = await call(alice, "DELETE", `${trustUrl("second")}/${id}`, undefined, otp(secret));
    expect(cross.statusCode).toBe(404);
    expect(await t.deps.db.selectFrom("trusted_publishers").selectAll().execute()).toHaveLength(1);
  });

  it("answers a missing package with where to add a pending publisher", async () => {
    await setup();
    const res = await call(alice, "POST", trustUrl("nothing-here"), github());
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toContain("/account/publishing");
  });
});
