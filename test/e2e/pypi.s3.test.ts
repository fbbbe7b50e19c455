import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import {
  downloadWithRanges,
  installWithPip,
  type Journey,
  publishWithTwine,
  startJourney,
} from "./support/journey.js";
import type { SimpleFile } from "./support/pypi.js";
import { filesUnder } from "./support/pypi.js";
import { startWharf } from "./support/server.js";

const SUITE = "PyPI publishing and installing with blobs in an S3-compatible store (s3rver)";
const BUCKET = "wharf-e2e";
const PREFIX = "registry/";
// s3rver's fixed credentials; it verifies SigV4 signatures, so these must match.
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

describe.skipIf(missing(SUITE, "twine", "pip", "venv", "wheel-build"))(SUITE, () => {
  let s3dir = "";
  let s3: S3rver | undefined;
  let inspector: S3Client | undefined;
  let journey: Journey | undefined;
  let files: SimpleFile[] = [];
  const j = () => journey!;

  beforeAll(async () => {
    s3dir = mkdtempSync(join(tmpdir(), "wharf-e2e-s3-"));
    s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    inspector = new S3Client({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    journey = await startJourney("wharf-s3-demo", {
      WHARF_S3_BUCKET: BUCKET,
      WHARF_S3_ENDPOINT: endpoint,
      WHARF_S3_REGION: "us-east-1",
      WHARF_S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      WHARF_S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      WHARF_S3_FORCE_PATH_STYLE: "true",
      WHARF_S3_PREFIX: PREFIX,
    });
  }, 120_000);

  afterAll(async () => {
    try {
      await journey?.close();
    } finally {
      inspector?.destroy();
      await s3?.close();
      if (s3dir) rmSync(s3dir, { recursive: true, force: true });
    }
  });

  const keys = async (Prefix: string) =>
    ((await inspector!.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix }))).Contents ?? []).map(
      (o) => o.Key ?? "",
    );

  it("stores what twine uploads in the bucket, under the prefix, and nothing on local disk", async () => {
    files = await publishWithTwine(j());
    const stored = await keys("");
    const wheel = files.find((f) => f.filename.endsWith(".whl"))!;
    const sdist = files.find((f) => f.filename.endsWith(".tar.gz"))!;
    for (const f of [wheel, sdist]) {
      expect(stored).toContain(
        `${PREFIX}pypi/${f.hashes.sha256.slice(0, 2)}/${f.hashes.sha256.slice(2, 4)}/${f.hashes.sha256}/${f.filename}`,
      );
    }
    expect(stored.filter((k) => k.endsWith(".metadata"))).toEqual([
      `${PREFIX}pypi/${wheel.hashes.sha256.slice(0, 2)}/${wheel.hashes.sha256.slice(2, 4)}/${wheel.hashes.sha256}/${wheel.filename}.metadata`,
    ]);
    // Temp objects and local spool files are gone once the upload committed.
    expect(await keys(`${PREFIX}.tmp/`)).toEqual([]);
    expect(filesUnder(join(j().server.dataDir, "tmp"))).toEqual([]);
    expect(filesUnder(join(j().server.dataDir, "blobs"))).toEqual([]);
  });

  it("serves files and .metadata from the bucket, whole and by byte ranges", async () => {
    await downloadWithRanges(j(), files);
  });

  it("lets pip install from it", async () => {
    await installWithPip(j());
  });

  it("serves the same files after a restart (the bucket, not the process, holds them)", async () => {
    const before = j().server;
    await before.stop();
    const after = await startWharf(before.env, { dataDir: before.dataDir, port: before.port });
    try {
      await downloadWithRanges({ ...j(), server: after }, files);
    } finally {
      await after.stop();
    }
  });
});
