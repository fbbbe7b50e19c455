import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunClaims, startOidcIssuer, type TestIssuer } from "../../test/e2e/support/oidc-issuer.js";
import { authorize } from "../authz/index.js";
import { createMandate } from "../mandates/index.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { findProject, insertProject, provenanceFor } from "../packages/index.js";
import { approveStaged, listPending } from "../staging/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { addPublisher } from "./index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

describe.each(testDatabases())("trusted publishing token exchange on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  let alice: Awaited<ReturnType<typeof maintainer>>;
  let widget: string;
  const AUD = "pypi:localhost";
  const RUN: RunClaims = { repository: "acme/widget" };

  beforeEach(async () => {
    t = await createTestApp(kind, { oidcProviders: [{ provider: "github", issuer: issuer.issuer }] });
    dir = mkdtempSync(join(tmpdir(), "wharf-tp-"));
    alice = await maintainer(t, "alice");
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "widget",
      normalizedName: "widget",
      ultranormalizedName: "widget",
    });
    widget = p.id;
    await t.deps.db
      .insertInto("roles")
      .values({ project_id: widget, user_id: alice.user.id, role: "owner", created_at: t.clock.now() })
      .execute();
    await addPublisher(
      t.deps.db,
      t.clock.now(),
      {},
      {
        projectId: widget,
        provider: "github",
        issuer: issuer.issuer,
        repository: "acme/widget",
        workflow: "release.yml",
        createdBy: alice.user.id,
      },
    );
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mint = (token: string) =>
    t.app.inject({ method: "POST", url: "/_/oidc/mint-token", payload: { token } });
  const stored = async () => ({
    tokens: (await t.deps.db.selectFrom("api_tokens").select("id").execute()).length,
    jtis: (await t.deps.db.selectFrom("oidc_jti_used").select("jti").execute()).length,
    projects: (await t.deps.db.selectFrom("projects").select("id").execute()).length,
  });
  async function upload(token: string, name = "widget", version = "1.0.0") {
    const wheel = await buildWheel(dir, { name, version });
    const form = await twineForm(wheel, { name, version });
    return t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
  }

  it("mints a 15-minute upload-only token for the matching publisher; the upload keeps its provenance", async () => {
    const aud = await t.app.inject({ method: "GET", url: "/_/oidc/audience" });
    expect(aud.json()).toEqual({ audience: AUD });
    const res = await mint(await issuer.mint({ audience: AUD, run: RUN }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, token: expect.stringMatching(/^wharf_/) });
    expect(body.expires).toBe(Math.floor((t.clock.now() + 15 * 60_000) / 1000));
    const up = await upload(body.token);
    expect(up.statusCode).toBe(200);
    const [prov] = await provenanceFor(t.deps.db, { projectId: widget });
    expect(prov).toMatchObject({
      publisher: "github:acme/widget release.yml",
      repository: "acme/widget",
      workflow: "release.yml",
      ref: "refs/heads/main",
      runId: "4242",
      runUrl: "https://github.com/acme/widget/actions/runs/4242/attempts/1",
    });
    // The PyPI JSON API shows it beside the file (a Wharf addition).
    const json = (await t.app.inject({ method: "GET", url: "/pypi/widget/json" })).json();
    expect(json.urls[0].trusted_publisher).toMatchObject({
      publisher: "github:acme/widget release.yml",
      sha: "0123456789abcdef0123456789abcdef01234567",
      run_url: "https://github.com/acme/widget/actions/runs/4242/attempts/1",
    });
    const events = await t.deps.db
      .selectFrom("events")
      .select(["type", "data"])
      .where("project_id", "=", widget)
      .where("type", "=", "file.uploaded")
      .execute();
    expect(JSON.parse(events[0]!.data).via).toBe("trusted publisher github:acme/widget release.yml");
    // It cannot do anything else: not create tokens through npm, not list them, not upload elsewhere.
    const other = await upload(body.token, "gadget");
    expect(other.statusCode).toBe(403);
    expect(other.statusMessage).toMatch(/trusted publisher.*only upload/i);
    // twine shows only the reason phrase: it says what to do instead.
    expect(other.statusMessage).toContain(
      "add a pending publisher at http://localhost:8080/account/publishing",
    );
    const npmTokens = await t.app.inject({
      method: "GET",
      url: "/npm/-/npm/v1/tokens",
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(npmTokens.statusCode).toBeGreaterThanOrEqual(401);
    expect(npmTokens.json().error).toMatch(/trusted publishing: it can only upload/);
    // After 15 minutes the token is dead.
    t.clock.advance(15 * 60_000 + 1);
    const late = await upload(body.token, "widget", "1.0.1");
    expect(late.statusCode).toBe(403);
    expect(late.statusMessage).toMatch(/expired/);
  });

  it("refuses forged, expired, not-yet-valid, wrong-audience, unknown-issuer, alg none and HS256 tokens, storing nothing", async () => {
    const before = await stored();
    const now = Math.floor(Date.now() / 1000);
    const unsigned = (claims: Record<string, unknown>) =>
      `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    const hs = await new SignJWT({ iss: issuer.issuer, aud: AUD, repository: "acme/widget", jti: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a public key is not a secret....."));
    const cases: Array<[string, Promise<string> | string, string, RegExp]> = [
      ["forged", issuer.mint({ audience: AUD, run: RUN, forged: true }), "invalid-token", /signature/],
      [
        "expired",
        issuer.mint({ audience: AUD, run: RUN, claims: { iat: now - 900, exp: now - 120 } }),
        "invalid-token",
        /expired/,
      ],
      [
        "not yet valid",
        issuer.mint({ audience: AUD, run: RUN, claims: { nbf: now + 600 } }),
        "invalid-token",
        /not valid yet/,
      ],
      [
        "issued in the future",
        issuer.mint({ audience: AUD, run: RUN, claims: { iat: now + 600, nbf: now } }),
        "invalid-token",
        /future|not valid yet/,
      ],
      [
        "wrong audience",
        issuer.mint({ audience: "npm:localhost", run: RUN }),
        "invalid-token",
        /audience is not 'pypi:localhost'/,
      ],
      [
        "unknown issuer",
        issuer.mint({ audience: AUD, run: RUN, claims: { iss: "https://evil.example" } }),
        "invalid-token",
        /issuer 'https:\/\/evil.example' is not trusted/,
      ],
      [
        "alg none",
        unsigned({
          iss: issuer.issuer,
          aud: AUD,
          repository: "acme/widget",
          exp: now + 300,
          iat: now,
          jti: "n",
        }),
        "invalid-token",
        /'none'/,
      ],
      ["HS256", hs, "invalid-token", /'HS256'/],
      [
        "no jti",
        issuer.mint({ audience: AUD, run: RUN, claims: { jti: undefined } }),
        "invalid-token",
        /jti/,
      ],
      ["garbage", "not.a.jwt", "invalid-token", /not a signed JWT/],
    ];
    for (const [what, token, code, description] of cases) {
      const res = await mint(await token);
      expect(res.statusCode, what).toBe(422);
      const body = res.json();
      expect(body.message, what).toBe("Token request failed");
      expect(body.errors[0].code, what).toBe(code);
      expect(body.errors[0].description, what).toMatch(description);
    }
    expect((await mint("")).json().errors[0].code).toBe("invalid-payload");
    expect(await stored()).toEqual(before);
  });

  it("refuses a replayed token (jti spent once) and tokens from another repository, workflow or a resurrected repository", async () => {
    const token = await issuer.mint({ audience: AUD, run: RUN });
    expect((await mint(token)).statusCode).toBe(200);
    const again = await mint(token);
    expect(again.json().errors[0]).toMatchObject({ code: "invalid-reuse-token" });
    const before = await stored();
    const other = await mint(await issuer.mint({ audience: AUD, run: { repository: "evil/widget" } }));
    expect(other.json().errors[0]).toMatchObject({ code: "invalid-publisher" });
    const wf = await mint(await issuer.mint({ audience: AUD, run: { ...RUN, workflow: "ci.yml" } }));
    expect(wf.json().errors[0].description).toContain("the workflow is not release.yml");
    // The first exchange recorded repository_id 1001: a new repository of the same name is refused.
    const resurrected = await mint(
      await issuer.mint({ audience: AUD, run: { ...RUN, repositoryId: "9999" } }),
    );
    expect(resurrected.json().errors[0].description).toMatch(
      /No trusted publisher matches repository acme\/widget, workflow release.yml, environment — \(repository_id 9999 is not 1001/,
    );
    expect(await stored()).toEqual(before);
  });

  it("a pending publisher creates its project, owned by the account that made it, on first exchange", async () => {
    const bob = await maintainer(t, "bob");
    await addPublisher(
      t.deps.db,
      t.clock.now(),
      {},
      {
        pending: { ecosystem: "pypi", projectName: "Gadget_Tool" },
        provider: "github",
        issuer: issuer.issuer,
        repository: "bob/gadget",
        workflow: "publish.yml",
        createdBy: bob.user.id,
      },
    );
    const res = await mint(
      await issuer.mint({ audience: AUD, run: { repository: "bob/gadget", workflow: "publish.yml" } }),
    );
    expect(res.statusCode).toBe(200);
    const project = await t.deps.db
      .selectFrom("projects")
      .select(["id", "name"])
      .where("normalized_name", "=", "gadget-tool")
      .executeTakeFirstOrThrow();
    expect(project.name).toBe("Gadget_Tool");
    const roles = await t.deps.db
      .selectFrom("roles")
      .selectAll()
      .where("project_id", "=", project.id)
      .execute();
    expect(roles.map((r) => [r.user_id, r.role])).toEqual([[bob.user.id, "owner"]]);
    const up = await upload(res.json().token, "Gadget_Tool");
    expect(up.statusCode).toBe(200);
  });

  it("one workflow publishing several projects (a monorepo): the token covers exactly those projects", async () => {
    const project = async (name: string, workflow: string) => {
      const p = await insertProject(t.deps.db, t.clock.now(), {
        ecosystem: "pypi",
        name,
        normalizedName: name,
        ultranormalizedName: name,
      });
      await t.deps.db
        .insertInto("roles")
        .values({ project_id: p.id, user_id: alice.user.id, role: "owner", created_at: t.clock.now() })
        .execute();
      const publisher = await addPublisher(
        t.deps.db,
        t.clock.now(),
        {},
        {
          projectId: p.id,
          provider: "github",
          issuer: issuer.issuer,
          repository: "acme/widget",
          workflow,
          createdBy: alice.user.id,
        },
      );
      return { id: p.id, publisherId: publisher.id };
    };
    const gizmo = await project("gizmo", "release.yml");
    const docs = await project("docs-site", "docs.yml");
    const res = await mint(await issuer.mint({ audience: AUD, run: RUN }));
    expect(res.statusCode).toBe(200);
    const token = res.json().token as string;
    const scoped = await t.deps.db.selectFrom("api_token_projects").select("project_id").execute();
    expect(new Set(scoped.map((r) => r.project_id))).toEqual(new Set([widget, gizmo.id]));
    expect((await upload(token, "widget")).statusCode).toBe(200);
    expect((await upload(token, "gizmo")).statusCode).toBe(200);
    // A third project of the same repository, published by another workflow, is not covered.
    const refused = await upload(token, "docs-site");
    expect(refused.statusCode).toBe(403);
    expect(refused.statusMessage).toMatch(/not for project 'docs-site'/);
    expect(await provenanceFor(t.deps.db, { projectId: docs.id })).toEqual([]);
    // History names the publisher on each project; provenance names each project's own publisher.
    for (const id of [widget, gizmo.id]) {
      const [ev] = await t.deps.db
        .selectFrom("events")
        .select("data")
        .where("project_id", "=", id)
        .where("type", "=", "file.uploaded")
        .execute();
      expect(JSON.parse(ev?.data ?? "{}").via).toBe("trusted publisher github:acme/widget release.yml");
    }
    const [prov] = await t.deps.db
      .selectFrom("publish_provenance")
      .select("publisher_id")
      .where("project_id", "=", gizmo.id)
      .execute();
    expect(prov?.publisher_id).toBe(gizmo.publisherId);
    // Removing gizmo's publisher closes gizmo to the token; widget stays open to it.
    const { removePublisher } = await import("./index.js");
    await removePublisher(
      t.deps.db,
      t.clock.now(),
      {},
      { projectId: gizmo.id, publisherId: gizmo.publisherId, by: alice.user.id },
    );
    expect((await upload(token, "gizmo", "1.0.1")).statusCode).toBe(403);
    expect((await upload(token, "widget", "1.0.1")).statusCode).toBe(200);
  });

  it("under a staging mandate, a pending publisher's first version is staged in the project it creates", async () => {
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Approve CI releases",
      cohort: "all-projects",
      staging: "any",
      noticeAt: now - 3,
      warnAt: now - 2,
      enforceAt: now - 1,
    });
    await addPublisher(
      t.deps.db,
      now,
      {},
      {
        pending: { ecosystem: "pypi", projectName: "newborn" },
        provider: "github",
        issuer: issuer.issuer,
        repository: "acme/newborn",
        workflow: "release.yml",
        createdBy: alice.user.id,
      },
    );
    const res = await mint(await issuer.mint({ audience: AUD, run: { repository: "acme/newborn" } }));
    expect(res.statusCode).toBe(200);
    const up = await upload(res.json().token, "newborn", "0.1.0");
    expect(up.statusCode).toBe(200);
    expect(up.json().url).toMatch(/\/staged\/[0-9a-f-]{36}$/);
    const simple = await t.app.inject({
      url: "/simple/newborn/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    expect(simple.json().files).toEqual([]);
    const { items } = await listPending(t.deps.db, { userId: alice.user.id, now: t.clock.now() });
    expect(items.map((i) => [i.projectName, i.version, i.actorType])).toEqual([
      ["newborn", "0.1.0", "trusted-publisher"],
    ]);
    const project = await findProject(t.deps.db, "pypi", "newborn");
    const grant = await authorize(
      t.deps,
      { userId: alice.user.id, emailVerified: true },
      "approve-staged",
      project,
    );
    await approveStaged(t.deps, {}, items[0]?.id ?? "", { grant, factor: "totp" });
    const after = await t.app.inject({
      url: "/simple/newborn/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    expect(after.json().versions).toEqual(["0.1.0"]);
  });

  it("removing the publisher revokes the tokens it minted", async () => {
    const res = await mint(await issuer.mint({ audience: AUD, run: RUN }));
    const [p] = await t.deps.db.selectFrom("trusted_publishers").select("id").execute();
    const { removePublisher } = await import("./index.js");
    await removePublisher(
      t.deps.db,
      t.clock.now(),
      {},
      { projectId: widget, publisherId: p!.id, by: alice.user.id },
    );
    const up = await upload(res.json().token);
    expect(up.statusCode).toBe(403);
    expect(up.statusMessage).toMatch(/revoked/);
  });
});
