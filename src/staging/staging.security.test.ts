import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, authorize } from "../authz/index.js";
import type { Deps } from "../deps.js";
import { ultranormalizeName } from "../ecosystems/pypi/index.js";
import { DAY } from "../lib/clock.js";
import { findProject, findRelease, getProjectById, publishFile } from "../packages/index.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../test-support/index.js";
import { approveStaged, expireStaged, findStaged, rejectStaged, stageFile } from "./index.js";

const ctx = { ip: "127.0.0.1" };
const release = (version: string) => ({
  version,
  canonicalVersion: version,
  requiresPython: null,
  summary: null,
  description: null,
  descriptionContentType: null,
  metadata: {},
});
function fileOf(filename: string) {
  const bytes = Buffer.from(`bytes of ${filename}`);
  const hash = (alg: string) => createHash(alg).update(bytes).digest("hex");
  return {
    bytes,
    file: {
      filename,
      packagetype: "sdist",
      pythonVersion: "source",
      requiresPython: null,
      size: bytes.length,
      sha256: hash("sha256"),
      blake2b256: hash("sha512").slice(0, 64),
      md5: hash("md5"),
      metadataSha256: null,
    },
  };
}

/** A direct publish by `actor` (creates the project on first use). */
async function publish(deps: Deps, actor: Actor, name: string, version: string) {
  const existing = await findProject(deps.db, "pypi", name);
  const grant = await authorize(deps, actor, existing ? "upload" : "create-project", existing, {
    ecosystem: "pypi",
  });
  const { bytes, file } = fileOf(`${name}-${version}.tar.gz`);
  return publishFile(deps, ctx, {
    ecosystem: "pypi",
    project: { name, normalizedName: name, ultranormalizedName: ultranormalizeName(name) },
    release: release(version),
    file,
    content: () => Readable.from([bytes]),
    grant,
    authorizeUpload: (p) => authorize(deps, actor, "upload", p, { ecosystem: "pypi" }),
  });
}

async function stage(deps: Deps, actor: Actor, name: string, version: string, filename?: string) {
  const project = (await findProject(deps.db, "pypi", name))!;
  const grant = await authorize(deps, actor, "upload", project, { ecosystem: "pypi" });
  const { bytes, file } = fileOf(filename ?? `${name}-${version}.tar.gz`);
  return stageFile(deps, ctx, {
    grant,
    project,
    release: release(version),
    tag: null,
    file,
    content: () => Readable.from([bytes]),
    joinDraft: true,
    phishingResistant: grant.stage?.phishingResistant ?? false,
  });
}

const approver = async (deps: Deps, actor: Actor, projectId: string) =>
  authorize(deps, actor, "approve-staged", await getProjectById(deps.db, projectId));

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string; status?: number }) => `${e.status ?? "?"} ${e.code ?? String(e)}`,
  );

describe.each(testDatabases())("staged releases (%s)", (kind) => {
  let t: TestApp;
  let owner: Actor;
  let ci: Actor;
  let stranger: Actor;
  beforeAll(async () => {
    t = await createTestApp(kind);
    const o = await maintainer(t, "owner");
    owner = { userId: o.user.id, emailVerified: true };
    await publish(t.deps, owner, "widget", "1.0");
    const tok = await t.deps.db
      .selectFrom("api_tokens")
      .select("id")
      .where("user_id", "=", o.user.id)
      .executeTakeFirstOrThrow();
    ci = { ...owner, token: { tokenId: tok.id, userId: o.user.id, scope: { kind: "account" } } };
    const s = await maintainer(t, "stranger");
    stranger = { userId: s.user.id, emailVerified: true };
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
  });
  afterAll(() => t.close());

  it("routes a token's upload to staging when the project says so, and a session's not", async () => {
    const project = (await findProject(t.deps.db, "pypi", "widget"))!;
    expect((await authorize(t.deps, ci, "upload", project)).stage?.phishingResistant).toBe(false);
    expect((await authorize(t.deps, owner, "upload", project)).stage).toBeUndefined();
  });

  it("keeps a staged release invisible, then publishes every file at once on approval", async () => {
    const a = await stage(t.deps, ci, "widget", "2.0");
    const b = await stage(t.deps, ci, "widget", "2.0", "widget-2.0-py3-none-any.whl");
    expect(b.staged.id).toBe(a.staged.id);
    expect(b.staged.files.map((f) => f.filename)).toEqual([
      "widget-2.0-py3-none-any.whl",
      "widget-2.0.tar.gz",
    ]);
    expect(await findRelease(t.deps.db, a.staged.projectId, "2.0")).toBeNull();
    const mails = (await t.outbox()).filter((m) => m.subject.includes("widget 2.0 is staged"));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(`/staged/${a.staged.id}`);
    const grant = await approver(t.deps, owner, a.staged.projectId);
    await approveStaged(t.deps, ctx, a.staged.id, { grant, factor: "totp" });
    const r = await findRelease(t.deps.db, a.staged.projectId, "2.0");
    expect(r?.files.map((f) => f.filename)).toEqual(["widget-2.0-py3-none-any.whl", "widget-2.0.tar.gz"]);
    expect((await findStaged(t.deps.db, a.staged.id))?.state).toBe("approved");
  });

  it("never approves without a second factor, nor for someone who is not a maintainer", async () => {
    const { staged } = await stage(t.deps, ci, "widget", "3.0");
    const grant = await approver(t.deps, owner, staged.projectId);
    expect(await outcome(approveStaged(t.deps, ctx, staged.id, { grant, factor: null }))).toBe(
      "403 SECOND_FACTOR_REQUIRED",
    );
    expect(await outcome(approver(t.deps, stranger, staged.projectId))).toBe("403 NOT_A_MAINTAINER");
    expect((await findStaged(t.deps.db, staged.id))?.state).toBe("staged");
  });

  it("asks a security key when the rule says phishing-resistant", async () => {
    await t.deps.db.updateTable("projects").set({ stage_requirement: "phishing-resistant" }).execute();
    const { staged } = await stage(t.deps, ci, "widget", "3.5");
    await t.deps.db.updateTable("projects").set({ stage_requirement: "any" }).execute();
    const grant = await approver(t.deps, owner, staged.projectId);
    expect(await outcome(approveStaged(t.deps, ctx, staged.id, { grant, factor: "totp" }))).toBe(
      "403 PHISHING_RESISTANT_REQUIRED",
    );
    expect(await outcome(approveStaged(t.deps, ctx, staged.id, { grant, factor: "webauthn" }))).toBe("ok");
  });

  it("lets exactly one of many concurrent approvals win", async () => {
    for (let round = 0; round < 5; round++) {
      const { staged } = await stage(t.deps, ci, "widget", `4.${round}`);
      const grant = await approver(t.deps, owner, staged.projectId);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          outcome(
            i % 2
              ? approveStaged(t.deps, ctx, staged.id, { grant, factor: "totp" })
              : rejectStaged(t.deps, ctx, staged.id, { grant, factor: "totp" }),
          ),
        ),
      );
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect(results.filter((r) => r !== "ok").every((r) => r === "409 NOT_PENDING")).toBe(true);
    }
  });

  it("refuses an approval when the version was published meanwhile, writing nothing", async () => {
    const { staged } = await stage(t.deps, ci, "widget", "5.0", "widget-5.0-py3-none-any.whl");
    await publish(t.deps, owner, "widget", "5.0");
    const grant = await approver(t.deps, owner, staged.projectId);
    expect(await outcome(approveStaged(t.deps, ctx, staged.id, { grant, factor: "totp" }))).toBe(
      "409 VERSION_PUBLISHED",
    );
    expect((await findStaged(t.deps.db, staged.id))?.state).toBe("staged");
    const r = await findRelease(t.deps.db, staged.projectId, "5.0");
    expect(r?.files.map((f) => f.filename)).toEqual(["widget-5.0.tar.gz"]);
  });

  it("removes a rejected release's files and keeps their names unusable", async () => {
    const { staged } = await stage(t.deps, ci, "widget", "6.0");
    const key = staged.files[0]!.blobKey;
    expect(await t.deps.blobs.stat(key)).not.toBeNull();
    const grant = await approver(t.deps, owner, staged.projectId);
    await rejectStaged(t.deps, ctx, staged.id, { grant, factor: "totp" });
    expect(await t.deps.blobs.stat(key)).toBeNull();
    expect(await outcome(stage(t.deps, ci, "widget", "6.0"))).toBe("400 FILE_EXISTS");
    expect(await outcome(publish(t.deps, owner, "widget", "6.0"))).toBe("400 FILE_EXISTS");
  });

  it("expires an unapproved release after its time, and an expired one cannot be approved", async () => {
    const { staged } = await stage(t.deps, ci, "widget", "7.0");
    const grant = await approver(t.deps, owner, staged.projectId);
    t.clock.advance(15 * DAY);
    expect(await outcome(approveStaged(t.deps, ctx, staged.id, { grant, factor: "totp" }))).toBe(
      "410 EXPIRED",
    );
    expect(await expireStaged(t.deps)).toBeGreaterThanOrEqual(1);
    expect((await findStaged(t.deps.db, staged.id))?.state).toBe("expired");
    expect(await t.deps.blobs.stat(staged.files[0]!.blobKey)).toBeNull();
  });
});
