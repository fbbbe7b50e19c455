import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcIssuer, type TestIssuer } from "../../test/e2e/support/oidc-issuer.js";
import { insertProject } from "../packages/index.js";
import { createTwoInstances, maintainer, missing, type TwoInstances } from "../test-support/index.js";
import { addPublisher } from "../trusted-publishing/index.js";
import { OidcVerifier } from "./index.js";
import { parseOidcProviders } from "./providers.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

describe("OIDC verification: keys, issuers, audiences", () => {
  const AUD = "npm:localhost";

  it("fetches discovery and the JWKS once, refetches on a rotated key, and a flood of unknown kids costs at most one fetch per cooldown", async () => {
    const v = new OidcVerifier([{ provider: "github", issuer: issuer.issuer }], () => Date.now());
    const before = { ...issuer.hits };
    for (let i = 0; i < 5; i++) await v.verify(await issuer.mint({ audience: AUD }), AUD);
    expect(issuer.hits.discovery - before.discovery).toBe(1);
    expect(issuer.hits.jwks - before.jwks).toBe(1);
    // A token signed with an unknown key id: refused; a burst of them does not hammer the provider.
    for (let i = 0; i < 20; i++) {
      await expect(v.verify(await issuer.mint({ audience: AUD, kid: `bogus-${i}` }), AUD)).rejects.toThrow(
        /signature does not verify/,
      );
    }
    expect(issuer.hits.jwks - before.jwks).toBeLessThanOrEqual(2);
  });

  it("accepts a key the provider rotated in after the cooldown, and refuses a forged signature with a known kid", async () => {
    const v = new OidcVerifier([{ provider: "github", issuer: issuer.issuer }], () => Date.now());
    await v.verify(await issuer.mint({ audience: AUD }), AUD);
    await issuer.rotate();
    // jose refetches for an unknown kid only after its cooldown (30 s); a fresh verifier sees it at once.
    const fresh = new OidcVerifier([{ provider: "github", issuer: issuer.issuer }], () => Date.now());
    expect((await fresh.verify(await issuer.mint({ audience: AUD }), AUD)).claims.repository).toBe(
      "acme/widget",
    );
    const forged = await issuer.mint({ audience: AUD, forged: true });
    await expect(fresh.verify(forged, AUD)).rejects.toThrow(/signature/);
  });

  it("refuses when no provider is configured, and an unreachable provider fails closed", async () => {
    const off = new OidcVerifier([], () => Date.now());
    await expect(off.verify(await issuer.mint({ audience: AUD }), AUD)).rejects.toThrow(/not enabled/);
    const down = new OidcVerifier([{ provider: "github", issuer: "http://127.0.0.1:9" }], () => Date.now());
    const token = await issuer.mint({ audience: AUD, claims: { iss: "http://127.0.0.1:9" } });
    await expect(down.verify(token, AUD)).rejects.toMatchObject({
      code: "PROVIDER_UNAVAILABLE",
      status: 503,
    });
  });

  it("WHARF_OIDC_PROVIDERS: built-ins by name, self-managed GitLab by URL, https only (http on loopback)", () => {
    expect(parseOidcProviders("github,gitlab,gitlab=https://gitlab.example.com/")).toEqual([
      { provider: "github", issuer: "https://token.actions.githubusercontent.com" },
      { provider: "gitlab", issuer: "https://gitlab.com" },
      { provider: "gitlab", issuer: "https://gitlab.example.com" },
    ]);
    expect(parseOidcProviders("")).toEqual([]);
    expect(parseOidcProviders("github=http://127.0.0.1:8080")).toEqual([
      { provider: "github", issuer: "http://127.0.0.1:8080" },
    ]);
    expect(() => parseOidcProviders("gitlab=http://gitlab.example.com")).toThrow(/must be https/);
    expect(() => parseOidcProviders("circleci")).toThrow(/github, gitlab/);
  });
});

// The jti is spent in the shared database: the same OIDC token presented to two instances at once (or
// one after the other) mints exactly one registry token.
describe.skipIf(missing("OIDC jti replay across instances", "postgres", "redis"))(
  "OIDC jti replay across instances",
  () => {
    let instances: TwoInstances | undefined;
    beforeAll(async () => {
      instances = await createTwoInstances({
        config: { oidcProviders: [{ provider: "github", issuer: issuer.issuer }] },
      });
    });
    afterAll(async () => {
      await instances?.close();
    });

    it("two instances racing with one OIDC token: exactly one mints, the other says it was used", async () => {
      const { a, b } = instances!;
      const t = { app: a.app, deps: a.deps, clock: a.deps.clock } as unknown as Parameters<
        typeof maintainer
      >[0];
      const alice = await maintainer(t, "alice");
      const p = await insertProject(a.deps.db, Date.now(), {
        ecosystem: "npm",
        name: "widget",
        normalizedName: "widget",
        ultranormalizedName: "widget",
      });
      await a.deps.db
        .insertInto("roles")
        .values({ project_id: p.id, user_id: alice.user.id, role: "owner", created_at: Date.now() })
        .execute();
      await addPublisher(
        a.deps.db,
        Date.now(),
        {},
        {
          projectId: p.id,
          provider: "github",
          issuer: issuer.issuer,
          repository: "acme/widget",
          workflow: "release.yml",
          createdBy: alice.user.id,
        },
      );
      const token = await issuer.mint({ audience: `npm:${new URL(a.deps.config.origin).hostname}` });
      const url = "/-/npm/v1/oidc/token/exchange/package/widget";
      const send = (app: typeof a) =>
        app.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${token}` } });
      const results = await Promise.all([send(a), send(b), send(a), send(b)]);
      const won = results.filter((r) => r.statusCode === 201);
      expect(won).toHaveLength(1);
      expect(won[0]!.json().token).toMatch(/^wharf_/);
      for (const r of results.filter((x) => x.statusCode !== 201)) {
        expect(r.statusCode).toBe(401);
        expect(r.json().error).toMatch(/already used/);
      }
      const minted = await a.deps.db
        .selectFrom("api_tokens")
        .select("id")
        .where("publisher_id", "is not", null)
        .execute();
      expect(minted).toHaveLength(1);
    });
  },
);
