import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcIssuer, type TestIssuer } from "../../test/e2e/support/oidc-issuer.js";
import { registerUser } from "../accounts/index.js";
import { type App, buildApp } from "../app.js";
import { loadConfig } from "../config.js";
import { insertProject } from "../packages/index.js";
import { createPgSchema, type DbKind, testDatabases } from "../test-support/index.js";
import { addPublisher } from "./index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

/**
 * Two instances (as behind a load balancer) sharing one database: SQLite (two processes on one file
 * is a supported single-host layout; here two connections in one process) and PostgreSQL. One OIDC
 * token presented to both at once, through both exchanges (npm's and PyPI's mint-token), mints exactly
 * one registry token; the losers say, each in its client's dialect, that it was used and to request a
 * new one. (oidc.security.test.ts runs the npm race with Redis as well.)
 */
describe.each(testDatabases())("OIDC jti replay across two instances on %s", (kind: DbKind) => {
  let a: App;
  let b: App;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dirs = [mkdtempSync(join(tmpdir(), "wharf-jti-a-")), mkdtempSync(join(tmpdir(), "wharf-jti-b-"))];
    const pg = kind === "postgres" ? await createPgSchema() : null;
    const databaseUrl = pg ? pg.url : `sqlite:${join(dirs[0]!, "shared.db")}`;
    const make = (dataDir: string) =>
      buildApp(
        {
          ...loadConfig({ WHARF_DATA_DIR: dataDir, WHARF_LOG_LEVEL: "silent" }),
          databaseUrl,
          oidcProviders: [{ provider: "github", issuer: issuer.issuer }],
          secretKey: "shared-secret-key-0123456789-abcdefghijkl",
        },
        { logger: { level: "silent" } },
      );
    a = await make(dirs[0]!);
    b = await make(dirs[1]!);
    cleanup = async () => {
      await a.app.close();
      await b.app.close();
      await pg?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    };
    const now = Date.now();
    const owner = await registerUser(
      a.deps,
      { ip: "127.0.0.1" },
      { username: "owner", email: "owner@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    for (const ecosystem of ["npm", "pypi"] as const) {
      const p = await insertProject(a.deps.db, now, {
        ecosystem,
        name: "widget",
        normalizedName: "widget",
        ultranormalizedName: "widget",
      });
      await a.deps.db
        .insertInto("roles")
        .values({ project_id: p.id, user_id: owner.id, role: "owner", created_at: now })
        .execute();
      await addPublisher(
        a.deps.db,
        now,
        {},
        {
          projectId: p.id,
          provider: "github",
          issuer: issuer.issuer,
          repository: "acme/widget",
          workflow: "release.yml",
          createdBy: owner.id,
        },
      );
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  const minted = async () =>
    (await a.deps.db.selectFrom("api_tokens").select("id").where("publisher_id", "is not", null).execute())
      .length;

  it("npm: one token raced on both instances mints once; the others get {error} 'already used'", async () => {
    const before = await minted();
    const host = new URL(a.deps.config.origin).hostname;
    const token = await issuer.mint({ audience: `npm:${host}` });
    const send = (app: App) =>
      app.app.inject({
        method: "POST",
        url: "/-/npm/v1/oidc/token/exchange/package/widget",
        headers: { authorization: `Bearer ${token}` },
      });
    const results = await Promise.all([send(a), send(b), send(a), send(b)]);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error).toBe("This OIDC token was already used; request a new one.");
    }
    expect(await minted()).toBe(before + 1);
  });

  it("PyPI: one token raced on both instances mints once; the others get invalid-reuse-token", async () => {
    const before = await minted();
    const host = new URL(a.deps.config.origin).hostname;
    const token = await issuer.mint({ audience: `pypi:${host}` });
    const send = (app: App) =>
      app.app.inject({ method: "POST", url: "/_/oidc/mint-token", payload: { token } });
    const results = await Promise.all([send(b), send(a), send(b), send(a)]);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(422);
      expect(r.json()).toEqual({
        message: "Token request failed",
        errors: [
          {
            code: "invalid-reuse-token",
            description: "This OIDC token was already used; request a new one.",
          },
        ],
      });
    }
    expect(await minted()).toBe(before + 1);
  });
});
