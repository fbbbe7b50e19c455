import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, unlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lastReport, reconcileAndReport } from "../housekeeping/index.js";
import { type BlobStore, putWithRow } from "../storage/index.js";
import { createS3BlobStore } from "../storage/s3-store.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import {
  blobKeyFor,
  insertFile,
  insertProject,
  insertRelease,
  listMissingBlobs,
  type ReconcileReport,
  reconcileBlobs,
} from "./index.js";

const HOUR = 3_600_000;
const body = (s: string) => Readable.from([Buffer.from(s)]);

/** A project with one release, to hang file rows on. */
async function release(t: TestApp, name: string) {
  const now = t.clock.now();
  const project = await insertProject(t.deps.db, now, {
    ecosystem: "pypi",
    name,
    normalizedName: name,
    ultranormalizedName: name,
  });
  const rel = await insertRelease(t.deps.db, now, {
    projectId: project.id,
    version: "1.0",
    canonicalVersion: "1",
    requiresPython: null,
    summary: null,
    description: null,
    descriptionContentType: null,
    metadata: {},
  });
  return { project, rel };
}

/** A file row, and (unless `blob: false`) its blob, written the way publish writes them. */
async function file(
  t: TestApp,
  store: BlobStore,
  r: Awaited<ReturnType<typeof release>>,
  filename: string,
  opts: { blob?: boolean; metadata?: boolean } = {},
) {
  const sha256 = createHash("sha256").update(filename).digest("hex");
  const blobKey = blobKeyFor("pypi", sha256, filename);
  const metadataBlobKey = opts.metadata ? `${blobKey}.metadata` : null;
  const insert = () =>
    insertFile(t.deps.db, t.clock.now(), {
      projectId: r.project.id,
      releaseId: r.rel.id,
      filename,
      packagetype: "sdist",
      pythonVersion: "source",
      requiresPython: null,
      size: filename.length,
      sha256,
      blake2b256: sha256,
      md5: sha256.slice(0, 32),
      blobKey,
      metadataSha256: null,
      metadataBlobKey,
      uploadedBy: null,
    });
  if (opts.blob === false) await insert();
  else
    await putWithRow(store, body(filename), blobKey, async (_s, commit) => {
      await insert();
      await commit();
    });
  if (metadataBlobKey && opts.blob !== false) await (await store.stage(body("meta"))).commit(metadataBlobKey);
  return { blobKey, metadataBlobKey };
}

/**
 * What a process killed between the blob's rename and the row's commit leaves: the blob under its final
 * key, no row (the transaction never committed). putWithRow's cleanup never ran, so commit it by hand.
 */
async function orphan(store: BlobStore, key: string): Promise<void> {
  await (await store.stage(body(`orphan ${key}`))).commit(key);
}

async function age(t: TestApp, key: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  await utimes(join(t.dataDir, "blobs", key), when, when);
}

describe.each(testDatabases())("blob reconcile on the filesystem store (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("deletes a blob left without a row once it is older than the grace period, and keeps a recent one", async () => {
    const r = await release(t, "demo");
    const kept = await file(t, t.deps.blobs, r, "demo-1.0.tar.gz", { metadata: true });
    await orphan(t.deps.blobs, "pypi/aa/bb/old/demo-0.9.tar.gz");
    await orphan(t.deps.blobs, "pypi/aa/bb/new/demo-0.8.tar.gz");
    await age(t, "pypi/aa/bb/old/demo-0.9.tar.gz", 2 * HOUR);

    const report = await reconcileBlobs(t.deps, { graceMs: HOUR });
    expect(report).toMatchObject({
      complete: true,
      blobsListed: 4,
      orphansDeleted: 1,
      orphansYoung: 1,
      missing: 0,
      orphanKeys: ["pypi/aa/bb/old/demo-0.9.tar.gz"],
    });
    expect(await t.deps.blobs.stat("pypi/aa/bb/old/demo-0.9.tar.gz")).toBeNull();
    // The recent one may be an upload between rename and commit: it stays.
    expect(await t.deps.blobs.stat("pypi/aa/bb/new/demo-0.8.tar.gz")).not.toBeNull();
    expect(await t.deps.blobs.stat(kept.blobKey)).not.toBeNull();
    expect(await t.deps.blobs.stat(kept.metadataBlobKey ?? "")).not.toBeNull();
  });

  it("reports and marks a row whose blob is missing, never deletes it, and the download stays a 404", async () => {
    const r = await release(t, "demo");
    const lost = await file(t, t.deps.blobs, r, "demo-1.0.tar.gz");
    await file(t, t.deps.blobs, r, "demo-1.1.tar.gz");
    await unlink(join(t.dataDir, "blobs", lost.blobKey));

    const report = await reconcileBlobs(t.deps);
    expect(report).toMatchObject({ missing: 1, orphansDeleted: 0, blobsListed: 1 });
    expect(report.missingFiles).toEqual([
      expect.objectContaining({
        blobKey: lost.blobKey,
        filename: "demo-1.0.tar.gz",
        projectId: r.project.id,
      }),
    ]);
    expect(await listMissingBlobs(t.deps)).toEqual([expect.objectContaining({ blobKey: lost.blobKey })]);
    const rows = await t.deps.db.selectFrom("files").select("filename").execute();
    expect(rows.map((x) => x.filename).sort()).toEqual(["demo-1.0.tar.gz", "demo-1.1.tar.gz"]);
    const res = await t.app.inject({ method: "GET", url: `/files/${lost.blobKey}` });
    expect(res.statusCode).toBe(404);

    // The blob comes back (restored from a backup): the next complete run clears the mark.
    await (await t.deps.blobs.stage(body("restored"))).commit(lost.blobKey);
    t.clock.advance(1000);
    expect((await reconcileBlobs(t.deps)).missing).toBe(0);
    expect(await listMissingBlobs(t.deps)).toEqual([]);
  });

  it("compares page by page without losing rows between, before or after the listed keys", async () => {
    const r = await release(t, "paged");
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"].map((x) => `paged-${x}.tar.gz`);
    const keys: string[] = [];
    for (const [i, n] of names.entries()) {
      // Every third file has lost its blob: some fall between pages, some before the first listed key.
      keys.push((await file(t, t.deps.blobs, r, n, { blob: i % 3 !== 0 })).blobKey);
    }
    // Orphans sorting before every row key and after all of them.
    await orphan(t.deps.blobs, "aaa/first-orphan");
    await orphan(t.deps.blobs, "zzz/last-orphan");
    const report = await reconcileBlobs(t.deps, { pageSize: 2, graceMs: 0 });
    const expectedMissing = keys.filter((_k, i) => i % 3 === 0).sort();
    expect(report.missingFiles.map((m) => m.blobKey).sort()).toEqual(expectedMissing);
    expect(report.orphanKeys).toEqual(["aaa/first-orphan", "zzz/last-orphan"]);
    expect(report.blobsListed).toBe(names.length - expectedMissing.length + 2);
  });

  it("finds every row missing when the store is empty", async () => {
    const r = await release(t, "empty");
    for (const n of ["empty-1.tar.gz", "empty-2.tar.gz", "empty-3.tar.gz"])
      await file(t, t.deps.blobs, r, n, { blob: false, metadata: true });
    const report = await reconcileBlobs(t.deps, { pageSize: 2 });
    // Three files, each with a wheel-metadata key too.
    expect(report).toMatchObject({ complete: true, blobsListed: 0, missing: 6 });
  });

  it("a dry run deletes nothing and marks nothing", async () => {
    const r = await release(t, "dry");
    await file(t, t.deps.blobs, r, "dry-1.tar.gz", { blob: false });
    await orphan(t.deps.blobs, "pypi/zz/zz/x/dry-0.tar.gz");
    const report = await reconcileBlobs(t.deps, { dryRun: true, graceMs: 0 });
    expect(report).toMatchObject({ dryRun: true, orphansDeleted: 1, missing: 1 });
    expect(await t.deps.blobs.stat("pypi/zz/zz/x/dry-0.tar.gz")).not.toBeNull();
    expect(await listMissingBlobs(t.deps)).toEqual([]);
  });

  it("keeps an orphan rewritten since it was listed (the same file uploaded again after a crash)", async () => {
    const key = "pypi/aa/bb/again/demo-2.0.tar.gz";
    await orphan(t.deps.blobs, key);
    await age(t, key, 2 * HOUR);
    const store = t.deps.blobs;
    // The listing sees the old blob; before the delete, a retried upload renames a new one over it.
    const racing: BlobStore = {
      ...store,
      async *list(pageSize) {
        const pages = [];
        for await (const page of store.list(pageSize)) pages.push(page);
        await orphan(store, key);
        yield* pages;
      },
    };
    const report = await reconcileBlobs({ ...t.deps, blobs: racing }, { graceMs: HOUR });
    expect(report.orphansDeleted).toBe(0);
    expect(await store.stat(key)).not.toBeNull();
  });

  it("keeps the last report for the operator", async () => {
    await orphan(t.deps.blobs, "pypi/zz/zz/y/x-0.tar.gz");
    await age(t, "pypi/zz/zz/y/x-0.tar.gz", 2 * HOUR);
    await reconcileAndReport(t.deps);
    expect(await lastReport<ReconcileReport>(t.deps.db, "reconcile")).toMatchObject({
      orphansDeleted: 1,
      complete: true,
    });
  });
});

describe("blob reconcile on an S3 store (ListObjectsV2 pages)", () => {
  let t: TestApp;
  let dir: string;
  let server: ChildProcess;
  let s3: BlobStore;
  beforeEach(async () => {
    t = await createTestApp("sqlite");
    dir = await mkdtemp(join(tmpdir(), "wharf-reconcile-s3-"));
    await mkdir(join(dir, "spool"));
    // s3rver in its own process: a truncated ListObjectsV2 page carries a continuation token s3rver
    // encrypts with DES, which OpenSSL 3 only offers with its legacy provider (real S3 needs none of it).
    const script = `const S3rver = require("s3rver");
      new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: ${JSON.stringify(join(dir, "s3"))},
        configureBuckets: [{ name: "wharf" }] }).run().then(({ port }) => console.log(port));`;
    server = spawn(process.execPath, ["--openssl-legacy-provider", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout?.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
      server.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
    });
    s3 = createS3BlobStore(
      {
        bucket: "wharf",
        endpoint: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
        forcePathStyle: true,
        prefix: "wharf/",
      },
      { spoolDir: join(dir, "spool") },
    );
  });
  afterEach(async () => {
    server.kill();
    await rm(dir, { recursive: true, force: true });
    await t.close();
  });

  it("deletes orphans and reports missing rows across several pages, skipping in-flight temporaries", async () => {
    const r = await release(t, "s3demo");
    const lost: string[] = [];
    for (let i = 0; i < 7; i++) {
      const f = await file(t, s3, r, `s3demo-${i}.tar.gz`, { blob: i !== 2 && i !== 5 });
      if (i === 2 || i === 5) lost.push(f.blobKey);
    }
    await orphan(s3, "pypi/00/00/orphan/s3demo-x.tar.gz");
    // An upload still staging: its temporary is not a committed blob.
    const staged = await s3.stage(body("in flight"));
    const report = await reconcileBlobs({ ...t.deps, blobs: s3 }, { pageSize: 2, graceMs: 0 });
    expect(report).toMatchObject({ complete: true, blobsListed: 6, orphansDeleted: 1, missing: 2 });
    expect(report.missingFiles.map((m) => m.blobKey).sort()).toEqual(lost.sort());
    expect(await s3.stat("pypi/00/00/orphan/s3demo-x.tar.gz")).toBeNull();
    await staged.discard();
  });
});
