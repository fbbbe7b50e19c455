import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addRole, insertProject } from "../../src/packages/index.js";
import { missing, wheelBuildPython } from "../../src/test-support/index.js";
import { addPublisher } from "../../src/trusted-publishing/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { startOidcIssuer, type TestIssuer } from "./support/oidc-issuer.js";
import { createMaintainer, withDatabase } from "./support/pypi.js";
import { buildDists, oneLine, twineUpload } from "./support/python.js";

const SUITE =
  "trusted publishing: the npm CLI as GitHub Actions / GitLab CI run it, and twine with a minted token";

/** The environment a CI job gives npm; this process's own CI variables are blanked. */
const CI_VARS = [
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];
const ciEnv = (env: Record<string, string>) => ({
  ...Object.fromEntries(CI_VARS.map((k) => [k, ""])),
  CI: "true",
  ...env,
});

// Each test drives the real npm CLI or twine several times (14-17 s under load 18): the default 30 s
// left no room on a loaded CI machine, where three of them timed out.
describe.skipIf(missing(SUITE, "npm"))(SUITE, { timeout: 120_000 }, () => {
  let server: WharfServer;
  let github: TestIssuer;
  let gitlab: TestIssuer;
  let ci: NpmClient;
  let work: string;
  let aliceId: string;
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);

  beforeAll(async () => {
    await ensureBuilt();
    github = await startOidcIssuer();
    gitlab = await startOidcIssuer();
    server = await startWharf({
      WHARF_OIDC_PROVIDERS: `github=${github.issuer},gitlab=${gitlab.issuer}`,
      // The 15-minute expiry is simulated by a write to the database behind the server's back, which
      // the verified-token cache (15 s) is not told of: ask the database on every request here.
      WHARF_TOKEN_CACHE_SECONDS: "0",
    });
    await createMaintainer(server, "alice", "mooring line 4096 knots");
    aliceId = await withDatabase(server, async (db) => {
      const u = await db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "alice")
        .executeTakeFirstOrThrow();
      // A pending publisher: the first trusted publish creates tp-widget, owned by alice.
      await addPublisher(
        db,
        Date.now(),
        {},
        {
          pending: { ecosystem: "npm", projectName: "tp-widget" },
          provider: "github",
          issuer: github.issuer,
          repository: "acme/widget",
          workflow: "release.yml",
          createdBy: u.id,
        },
      );
      return u.id;
    });
    // No token anywhere: .npmrc holds only the registry.
    ci = new NpmClient(`${server.origin}/npm/`);
    work = join(ci.dir, "work");
    mkdirSync(work);
  });
  afterAll(async () => {
    ci?.cleanup();
    await server?.stop();
    server?.cleanup();
    await github?.close();
    await gitlab?.close();
  });

  const actions = () => ({
    GITHUB_ACTIONS: "true",
    ACTIONS_ID_TOKEN_REQUEST_URL: github.actionsRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.actionsRequestToken,
  });

  it("npm publish from a GitHub Actions run of the trusted workflow creates the package and publishes it", async () => {
    github.actionsRun = { repository: "acme/widget", workflow: "release.yml" };
    const dir = packageDir(work, "tp-widget", "1.0.0");
    const r = await ci.run(["publish"], { cwd: dir, env: ciEnv(actions()) });
    ok(r);
    expect(r.output).toContain("+ tp-widget@1.0.0");
    expect(github.hits.idToken).toBeGreaterThan(0);
    const view = await ci.run(["view", "tp-widget", "version"]);
    expect(view.output.trim()).toBe("1.0.0");
    const stored = await withDatabase(server, async (db) => ({
      roles: await db
        .selectFrom("roles")
        .innerJoin("projects", "projects.id", "roles.project_id")
        .select(["roles.user_id", "roles.role"])
        .where("projects.name", "=", "tp-widget")
        .execute(),
      provenance: await db.selectFrom("publish_provenance").select("claims").execute(),
    }));
    expect(stored.roles).toEqual([{ user_id: aliceId, role: "owner" }]);
    expect(JSON.parse(stored.provenance[0]!.claims)).toMatchObject({
      repository: "acme/widget",
      workflow: "release.yml",
    });
  });

  it("npm publish from another repository or workflow fails, and says why with --loglevel verbose", async () => {
    github.actionsRun = { repository: "evil/widget", workflow: "release.yml" };
    const dir = packageDir(work, "tp-widget", "1.0.1");
    const r = await ci.run(["publish", "--loglevel", "verbose"], { cwd: dir, env: ciEnv(actions()) });
    expect(r.code).not.toBe(0);
    // What npm prints: its own "log in" error, and in the verbose log the registry's reason.
    expect(r.output).toMatch(/ENEEDAUTH|need auth/);
    expect(r.output).toContain(
      "No trusted publisher on 'tp-widget' matches repository evil/widget, workflow release.yml",
    );
    github.actionsRun = { repository: "acme/widget", workflow: "ci.yml" };
    const wf = await ci.run(["publish", "--loglevel", "verbose"], { cwd: dir, env: ciEnv(actions()) });
    expect(wf.code).not.toBe(0);
    expect(wf.output).toContain("the workflow is not release.yml");
    expect((await ci.run(["view", "tp-widget", "versions", "--json"])).output).not.toContain("1.0.1");
  });

  it("a GitLab CI job publishes with its id token in NPM_ID_TOKEN", async () => {
    await withDatabase(server, async (db) => {
      const p = await db
        .selectFrom("projects")
        .select("id")
        .where("name", "=", "tp-widget")
        .executeTakeFirstOrThrow();
      await addPublisher(
        db,
        Date.now(),
        {},
        {
          projectId: p.id,
          provider: "gitlab",
          issuer: gitlab.issuer,
          repository: "acme/tools/widget",
          workflow: ".gitlab-ci.yml",
          createdBy: aliceId,
        },
      );
    });
    const token = await gitlab.mint({
      audience: "npm:localhost",
      provider: "gitlab",
      run: { repository: "acme/tools/widget" },
    });
    const dir = packageDir(work, "tp-widget", "1.1.0");
    const r = await ci.run(["publish", "--loglevel", "verbose"], {
      cwd: dir,
      env: ciEnv({ GITLAB_CI: "true", NPM_ID_TOKEN: token }),
    });
    ok(r);
    expect(r.output).toContain("+ tp-widget@1.1.0");
    // The same id token again (a replayed jti) is refused.
    const again = packageDir(work, "tp-widget", "1.1.1");
    const replay = await ci.run(["publish", "--loglevel", "verbose"], {
      cwd: again,
      env: ciEnv({ GITLAB_CI: "true", NPM_ID_TOKEN: token }),
    });
    expect(replay.code).not.toBe(0);
    expect(replay.output).toContain("already used");
  });

  it.skipIf(!wheelBuildPython() || missing(SUITE, "twine"))(
    "twine uploads with a token minted by /_/oidc/mint-token, as the PyPI publish action does; it dies after 15 minutes and covers one project",
    async () => {
      await withDatabase(server, (db) =>
        addPublisher(
          db,
          Date.now(),
          {},
          {
            pending: { ecosystem: "pypi", projectName: "tp-gadget" },
            provider: "github",
            issuer: github.issuer,
            repository: "acme/gadget",
            workflow: "pypi.yml",
            environment: "pypi",
            createdBy: aliceId,
          },
        ),
      );
      const home = mkdtempSync(join(tmpdir(), "wharf-tp-py-"));
      try {
        const { audience } = (await (await fetch(`${server.url}/_/oidc/audience`)).json()) as {
          audience: string;
        };
        expect(audience).toBe("pypi:localhost");
        github.actionsRun = { repository: "acme/gadget", workflow: "pypi.yml", environment: "pypi" };
        // The action asks GitHub for an id token with that audience, then trades it.
        const idRes = await fetch(`${github.actionsRequestUrl}&audience=${encodeURIComponent(audience)}`, {
          headers: { authorization: `Bearer ${github.actionsRequestToken}` },
        });
        const { value } = (await idRes.json()) as { value: string };
        const minted = await fetch(`${server.url}/_/oidc/mint-token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: value }),
        });
        const body = (await minted.json()) as { success: boolean; token: string; expires: number };
        expect(body.success).toBe(true);
        const dists = await buildDists(join(home, "a"), home, { name: "tp-gadget", version: "0.1.0" });
        const up = await twineUpload(server.url, home, [dists.wheel], {
          username: "__token__",
          password: body.token,
        });
        expect(up.code, up.output).toBe(0);
        // Another project with the same token: refused, and twine shows why.
        const other = await buildDists(join(home, "b"), home, { name: "tp-other", version: "0.1.0" });
        const refused = await twineUpload(server.url, home, [other.wheel], {
          username: "__token__",
          password: body.token,
        });
        expect(refused.code).not.toBe(0);
        expect(oneLine(refused.output)).toMatch(/trusted publisher.*only upload/i);
        // 15 minutes later (moved in the database: the server has no clock to turn).
        await withDatabase(server, (db) =>
          db
            .updateTable("api_tokens")
            .set({ expires_at: Date.now() - 1 })
            .where("publisher_id", "is not", null)
            .execute(),
        );
        const late = await twineUpload(server.url, home, [dists.sdist], {
          username: "__token__",
          password: body.token,
        });
        expect(late.code).not.toBe(0);
        expect(late.output).toMatch(/expired/);
        // A token for the wrong environment: PyPI's error shape naming the claim.
        github.actionsRun = { repository: "acme/gadget", workflow: "pypi.yml" };
        const wrong = await fetch(`${server.url}/_/oidc/mint-token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: await github.mint({ audience }) }),
        });
        expect(wrong.status).toBe(422);
        const err = (await wrong.json()) as { errors: Array<{ code: string; description: string }> };
        expect(err.errors[0]!.code).toBe("invalid-publisher");
        expect(err.errors[0]!.description).toContain("environment — is not pypi");
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
  it.skipIf(!wheelBuildPython() || missing(SUITE, "twine"))(
    "a monorepo workflow publishing two projects: one minted token uploads both with twine, not a third project",
    async () => {
      const projects: Array<[string, string]> = [
        ["tp-mono-core", "release.yml"],
        ["tp-mono-cli", "release.yml"],
        ["tp-mono-docs", "docs.yml"],
      ];
      await withDatabase(server, async (db) => {
        for (const [name, workflow] of projects) {
          const p = await insertProject(db, Date.now(), {
            ecosystem: "pypi",
            name,
            normalizedName: name,
            ultranormalizedName: name.replace(/-/g, ""),
          });
          await addRole(db, Date.now(), p.id, aliceId, "owner");
          await addPublisher(
            db,
            Date.now(),
            {},
            {
              projectId: p.id,
              provider: "github",
              issuer: github.issuer,
              repository: "acme/mono",
              workflow,
              createdBy: aliceId,
            },
          );
        }
      });
      const home = mkdtempSync(join(tmpdir(), "wharf-tp-mono-"));
      try {
        github.actionsRun = { repository: "acme/mono", workflow: "release.yml" };
        const minted = await fetch(`${server.url}/_/oidc/mint-token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: await github.mint({ audience: "pypi:localhost" }) }),
        });
        const body = (await minted.json()) as { success: boolean; token: string };
        expect(body.success).toBe(true);
        const auth = { username: "__token__", password: body.token };
        for (const name of ["tp-mono-core", "tp-mono-cli"]) {
          const dists = await buildDists(join(home, name), home, { name, version: "1.0.0" });
          const up = await twineUpload(server.url, home, [dists.wheel], auth);
          expect(up.code, up.output).toBe(0);
        }
        const docs = await buildDists(join(home, "docs"), home, { name: "tp-mono-docs", version: "1.0.0" });
        const refused = await twineUpload(server.url, home, [docs.wheel], auth);
        expect(refused.code).not.toBe(0);
        expect(oneLine(refused.output)).toMatch(/not for project 'tp-mono-docs'/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
