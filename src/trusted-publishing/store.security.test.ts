import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertProject } from "../packages/index.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../test-support/index.js";
import {
  addPublisher,
  type Claims,
  listPendingPublishers,
  listPublishers,
  markPublisherUsed,
  matchPublisher,
  removePublisher,
} from "./index.js";

const GH = "https://token.actions.githubusercontent.com";

/** The claims GitHub Actions puts in a token for a run of `workflow` in `repo`. */
function githubClaims(repo: string, over: Partial<Record<string, string>> = {}): Claims {
  const workflow = over.workflow ?? "release.yml";
  return {
    iss: GH,
    repository: repo,
    repository_id: "1001",
    repository_owner: repo.split("/")[0],
    repository_owner_id: "2001",
    workflow_ref: `${repo}/.github/workflows/${workflow}@refs/heads/main`,
    job_workflow_ref: `${repo}/.github/workflows/${workflow}@refs/heads/main`,
    ref: "refs/heads/main",
    sha: "a".repeat(40),
    run_id: "77",
    run_attempt: "1",
    ...over,
  };
}

describe.each(testDatabases())("trusted publisher store on %s", (kind) => {
  let t: TestApp;
  let alice: Awaited<ReturnType<typeof maintainer>>;
  let projectId: string;
  const ctx = { ip: "127.0.0.1" };
  beforeEach(async () => {
    t = await createTestApp(kind);
    alice = await maintainer(t, "alice");
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "npm",
      name: "widget",
      normalizedName: "widget",
      ultranormalizedName: "widget",
    });
    projectId = p.id;
  });
  afterEach(() => t.close());

  const match = (claims: Claims, projectName = "widget") =>
    matchPublisher(t.deps.db, { ecosystem: "npm", projectName, claims, issuer: GH, origin: "http://w" });

  it("adds, lists, matches and removes a GitHub publisher, recording ids on first use", async () => {
    const p = await addPublisher(t.deps.db, t.clock.now(), ctx, {
      projectId,
      provider: "github",
      repository: "acme/widget",
      workflow: ".github/workflows/release.yml",
      createdBy: alice.user.id,
    });
    expect(p).toMatchObject({
      workflow: "release.yml",
      repositoryOwner: "acme",
      issuer: GH,
      repositoryId: null,
    });
    expect((await listPublishers(t.deps.db, projectId)).map((x) => x.id)).toEqual([p.id]);
    const m = await match(githubClaims("acme/widget"));
    if (!m.ok) throw new Error(m.message);
    expect(m.recordIds).toEqual({ repositoryId: "1001", repositoryOwnerId: "2001" });
    expect(await markPublisherUsed(t.deps.db, t.clock.now(), ctx, m.publisher, m.recordIds, "widget")).toBe(
      true,
    );
    // A deleted-and-recreated repository of the same name has a new id: refused from now on.
    const resurrected = await match(githubClaims("acme/widget", { repository_id: "9999" }));
    expect(resurrected.ok).toBe(false);
    if (!resurrected.ok) {
      expect(resurrected.claim).toBe("repository_id");
      expect(resurrected.message).toContain(
        "No trusted publisher on 'widget' matches repository acme/widget",
      );
      expect(resurrected.message).toContain("configure one at http://w/manage/project/widget/");
    }
    expect((await match(githubClaims("acme/widget"))).ok).toBe(true);
    await removePublisher(t.deps.db, t.clock.now(), ctx, { projectId, publisherId: p.id, by: alice.user.id });
    expect(await listPublishers(t.deps.db, projectId)).toEqual([]);
    expect((await match(githubClaims("acme/widget"))).ok).toBe(false);
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("project_id", "=", projectId)
      .execute();
    expect(events.map((e) => e.type)).toEqual([
      "trusted_publisher.added",
      "trusted_publisher.first_used",
      "trusted_publisher.removed",
    ]);
  });

  it("names the claim that did not match: workflow, environment, another repository", async () => {
    await addPublisher(t.deps.db, t.clock.now(), ctx, {
      projectId,
      provider: "github",
      repository: "acme/widget",
      workflow: "release.yml",
      environment: "pypi",
      createdBy: alice.user.id,
    });
    const wf = await match(githubClaims("acme/widget", { workflow: "ci.yml", environment: "pypi" }));
    expect(wf.ok || wf.claim).toBe("workflow_ref");
    const env = await match(githubClaims("acme/widget"));
    expect(env.ok || env.message).toContain("environment — is not pypi");
    const other = await match(githubClaims("evil/widget", { environment: "pypi" }));
    expect(other.ok || other.message).toContain("matches repository evil/widget, workflow release.yml");
    // A reusable workflow of another repository does not count as this repository's release.yml.
    const reusable = await match(
      githubClaims("acme/widget", {
        environment: "pypi",
        workflow_ref: "acme/widget/.github/workflows/ci.yml@refs/heads/main",
        job_workflow_ref: "evil/tools/.github/workflows/release.yml@refs/heads/main",
      }),
    );
    expect(reusable.ok).toBe(false);
    expect((await match(githubClaims("acme/widget", { environment: "PyPI" }))).ok).toBe(true);
  });

  it("refuses bad input with the field named, duplicates, and another project's publisher id", async () => {
    const add = (over: Record<string, string>) =>
      addPublisher(t.deps.db, t.clock.now(), ctx, {
        projectId,
        provider: "github",
        repository: "acme/widget",
        workflow: "release.yml",
        createdBy: alice.user.id,
        ...over,
      });
    await expect(add({ repository: "acme" })).rejects.toThrow(/Repository must be owner\/name/);
    await expect(add({ workflow: "../x.yml" })).rejects.toThrow(/Workflow must be a file name/);
    await expect(add({ repositoryId: "abc" })).rejects.toThrow(/must be a number/);
    const p = await add({});
    await expect(add({})).rejects.toThrow(/already configured/);
    const other = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "npm",
      name: "other",
      normalizedName: "other",
      ultranormalizedName: "other",
    });
    await expect(
      removePublisher(t.deps.db, t.clock.now(), ctx, {
        projectId: other.id,
        publisherId: p.id,
        by: alice.user.id,
      }),
    ).rejects.toThrow(/No such trusted publisher/);
    expect(await listPublishers(t.deps.db, projectId)).toHaveLength(1);
  });

  it("keeps a pending publisher's name for its account and matches GitLab tokens", async () => {
    const bob = await maintainer(t, "bob");
    const p = await addPublisher(t.deps.db, t.clock.now(), ctx, {
      pending: { ecosystem: "npm", projectName: "gadget" },
      provider: "gitlab",
      repository: "acme/tools/gadget",
      workflow: ".gitlab-ci.yml",
      createdBy: alice.user.id,
    });
    expect(p).toMatchObject({ projectId: null, pendingProjectName: "gadget", repositoryOwner: "acme/tools" });
    expect((await listPendingPublishers(t.deps.db, alice.user.id)).map((x) => x.id)).toEqual([p.id]);
    await expect(
      addPublisher(t.deps.db, t.clock.now(), ctx, {
        pending: { ecosystem: "npm", projectName: "gadget" },
        provider: "github",
        repository: "bob/gadget",
        workflow: "release.yml",
        createdBy: bob.user.id,
      }),
    ).rejects.toThrow(/reserved by another account/);
    await expect(
      addPublisher(t.deps.db, t.clock.now(), ctx, {
        pending: { ecosystem: "npm", projectName: "widget" },
        provider: "github",
        repository: "bob/widget",
        workflow: "release.yml",
        createdBy: bob.user.id,
      }),
    ).rejects.toThrow(/exists already/);
    const gitlab: Claims = {
      iss: "https://gitlab.com",
      project_path: "acme/tools/gadget",
      project_id: "42",
      namespace_path: "acme/tools",
      namespace_id: "7",
      ci_config_ref_uri: "gitlab.com/acme/tools/gadget//.gitlab-ci.yml@refs/heads/main",
      pipeline_id: "555",
      ref: "main",
      sha: "b".repeat(40),
    };
    const m = await matchPublisher(t.deps.db, {
      ecosystem: "npm",
      projectName: "gadget",
      claims: gitlab,
      issuer: "https://gitlab.com",
      origin: "http://w",
    });
    if (!m.ok) throw new Error(m.message);
    expect(m.project).toBeNull();
    expect(m.identity.runUrl).toBe("https://gitlab.com/acme/tools/gadget/-/pipelines/555");
    const nope = await matchPublisher(t.deps.db, {
      ecosystem: "npm",
      projectName: "nothing-here",
      claims: gitlab,
      issuer: "https://gitlab.com",
      origin: "http://w",
    });
    expect(nope.ok || nope.message).toContain("No project 'nothing-here' exists");
  });
});
