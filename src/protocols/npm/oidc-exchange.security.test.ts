import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunClaims, startOidcIssuer, type TestIssuer } from "../../../test/e2e/support/oidc-issuer.js";
import { insertProject } from "../../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { addPublisher } from "../../trusted-publishing/index.js";
import { escaped, npmUser, publishBody } from "./test-fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

/**
 * Issue 16, "Bad input", in npm's dialect: the token exchange the npm CLI makes from CI
 * (`POST /-/npm/v1/oidc/token/exchange/package/<name>`, served at the origin's root) refuses every bad
 * OIDC token with `{error}` (what npm prints with --loglevel verbose) naming the check that failed and
 * what to do, and stores nothing: no registry token, no spent jti. A minted token publishes its own
 * package only, and npm says so.
 */
describe.each(testDatabases())("npm OIDC token exchange refusals on %s", (kind) => {
  let t: TestApp;
  let widget: string;
  const AUD = "npm:localhost";
  const RUN: RunClaims = { repository: "acme/widget" };

  beforeEach(async () => {
    t = await createTestApp(kind, { oidcProviders: [{ provider: "github", issuer: issuer.issuer }] });
    const alice = await npmUser(t, "alice");
    const publish = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("widget")}`,
      headers: { ...alice.auth, "content-type": "application/json" },
      payload: JSON.stringify(await publishBody("widget", "1.0.0")),
    });
    expect(publish.statusCode, publish.body).toBe(201);
    const p = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("ecosystem", "=", "npm")
      .where("normalized_name", "=", "widget")
      .executeTakeFirstOrThrow();
    widget = p.id;
    const gadget = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "npm",
      name: "gadget",
      normalizedName: "gadget",
      ultranormalizedName: "gadget",
    });
    for (const [projectId, repository] of [
      [widget, "acme/widget"],
      [gadget.id, "acme/gadget"],
    ] as const)
      await addPublisher(
        t.deps.db,
        t.clock.now(),
        {},
        {
          projectId,
          provider: "github",
          issuer: issuer.issuer,
          repository,
          workflow: "release.yml",
          createdBy: alice.user.id,
        },
      );
  });
  afterEach(() => t.close());

  const exchange = (token: string, name = "widget") =>
    t.app.inject({
      method: "POST",
      url: `/-/npm/v1/oidc/token/exchange/package/${escaped(name)}`,
      headers: { authorization: `Bearer ${token}` },
    });
  const stored = async () => ({
    tokens: (
      await t.deps.db.selectFrom("api_tokens").select("id").where("publisher_id", "is not", null).execute()
    ).length,
    jtis: (await t.deps.db.selectFrom("oidc_jti_used").select("jti").execute()).length,
  });

  it("refuses forged, expired, wrong-audience, unknown-issuer, alg none and HS256 tokens with {error}, storing nothing", async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
      JSON.stringify({
        iss: issuer.issuer,
        aud: AUD,
        repository: "acme/widget",
        exp: now + 300,
        iat: now,
        jti: "n",
      }),
    ).toString("base64url")}.`;
    const hs = await new SignJWT({ iss: issuer.issuer, aud: AUD, repository: "acme/widget", jti: "h" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a public key is not a secret....."));
    const cases: Array<[string, string, RegExp]> = [
      [
        "forged",
        await issuer.mint({ audience: AUD, run: RUN, forged: true }),
        /signature does not verify against its issuer's published keys: send the CI provider's ID token/,
      ],
      [
        "expired",
        await issuer.mint({ audience: AUD, run: RUN, claims: { iat: now - 900, exp: now - 120 } }),
        /expired: request a new one just before the exchange/,
      ],
      [
        "wrong audience",
        await issuer.mint({ audience: "pypi:localhost", run: RUN }),
        /audience is not 'npm:localhost'/,
      ],
      [
        "unknown issuer",
        await issuer.mint({ audience: AUD, run: RUN, claims: { iss: "https://evil.example" } }),
        /issuer 'https:\/\/evil.example' is not trusted by this registry \(WHARF_OIDC_PROVIDERS\)/,
      ],
      ["alg none", unsigned, /signed with 'none'; only RS256.* are accepted/],
      ["HS256", hs, /signed with 'HS256'; only RS256.* are accepted/],
    ];
    for (const [what, token, error] of cases) {
      const res = await exchange(token);
      expect(res.statusCode, what).toBe(401);
      expect(res.json().error, what).toMatch(error);
      // npm prints body.message with --loglevel verbose: the same words.
      expect(res.json().message, what).toBe(res.json().error);
    }
    const none = await t.app.inject({ method: "POST", url: "/-/npm/v1/oidc/token/exchange/package/widget" });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatch(/OIDC token as the bearer/);
    expect(await stored()).toEqual({ tokens: 0, jtis: 0 });
  });

  it("refuses a token for another package and a resurrected repository, naming the claims and where to configure", async () => {
    // acme/widget's run asks for gadget's token: gadget trusts acme/gadget only.
    const other = await exchange(await issuer.mint({ audience: AUD, run: RUN }), "gadget");
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toMatch(
      /No trusted publisher on 'gadget' matches repository acme\/widget, workflow release.yml, environment —/,
    );
    expect(other.json().error).toContain("; configure one at http://localhost:8080/manage/project/gadget/");
    // A package nobody configured: no publisher, and no pending one creates it.
    const nobody = await exchange(await issuer.mint({ audience: AUD, run: RUN }), "nobody");
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().error).toMatch(
      /No project 'nobody' exists .*; add a pending publisher at http:\/\/localhost:8080\/account\/publishing/,
    );
    expect(await stored()).toEqual({ tokens: 0, jtis: 0 });
    // The first exchange records repository_id 1001; a recreated repository of the same name has another.
    expect((await exchange(await issuer.mint({ audience: AUD, run: RUN }))).statusCode).toBe(201);
    const resurrected = await exchange(
      await issuer.mint({ audience: AUD, run: { ...RUN, repositoryId: "9999" } }),
    );
    expect(resurrected.statusCode).toBe(403);
    expect(resurrected.json().error).toMatch(/repository_id 9999 is not 1001/);
    expect(await stored()).toEqual({ tokens: 1, jtis: 1 });
  });

  it("refuses a replayed token, and a minted token publishes its own package only", async () => {
    const oidc = await issuer.mint({ audience: AUD, run: RUN });
    const first = await exchange(oidc);
    expect(first.statusCode).toBe(201);
    const again = await exchange(oidc);
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toMatch(/already used; request a new one/);
    expect(await stored()).toEqual({ tokens: 1, jtis: 1 });
    const minted = first.json().token as string;
    const elsewhere = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("gadget")}`,
      headers: { authorization: `Bearer ${minted}`, "content-type": "application/json" },
      payload: JSON.stringify(await publishBody("gadget", "1.0.0")),
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error).toMatch(/trusted publish.*widget|only upload/i);
    const own = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("widget")}`,
      headers: { authorization: `Bearer ${minted}`, "content-type": "application/json" },
      payload: JSON.stringify(await publishBody("widget", "1.1.0")),
    });
    expect(own.statusCode, own.body).toBe(201);
  });

  it("cuts off an address after 30 refused exchanges (npm and PyPI share the count), never one whose exchanges succeed", async () => {
    const from = (ip: string, token: string) =>
      t.app.inject({
        method: "POST",
        url: "/-/npm/v1/oidc/token/exchange/package/widget",
        headers: { authorization: `Bearer ${token}` },
        remoteAddress: ip,
      });
    const forged = await issuer.mint({ audience: AUD, run: RUN, forged: true });
    for (let i = 0; i < 30; i++) expect((await from("203.0.113.7", forged)).statusCode).toBe(401);
    const cut = await from("203.0.113.7", await issuer.mint({ audience: AUD, run: RUN }));
    expect(cut.statusCode).toBe(429);
    expect(cut.json().error).toMatch(/^Too many attempts\. Try again in /);
    expect(Number(cut.headers["retry-after"])).toBeGreaterThan(0);
    // PyPI's mint-token counts against the same address, in PyPI's error shape, and stays a 429.
    const pypi = await t.app.inject({
      method: "POST",
      url: "/_/oidc/mint-token",
      payload: { token: forged },
      remoteAddress: "203.0.113.7",
    });
    expect(pypi.statusCode).toBe(429);
    expect(pypi.json().errors[0].code).toBe("rate-limited");
    // Another address, and an address whose 31 exchanges all succeed, are not slowed at all.
    expect((await from("203.0.113.8", await issuer.mint({ audience: AUD, run: RUN }))).statusCode).toBe(201);
    for (let i = 0; i < 31; i++)
      expect((await from("203.0.113.9", await issuer.mint({ audience: AUD, run: RUN }))).statusCode).toBe(
        201,
      );
    expect(await stored()).toEqual({ tokens: 32, jtis: 32 });
  });
});
