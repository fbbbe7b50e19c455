import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsBlobStore } from "./fs-store.js";
import { type BlobStore, putWithRow } from "./index.js";
import { validateKey } from "./keys.js";
import { createS3BlobStore } from "./s3-store.js";

/**
 * Blob keys are derived from project and file names that clients send. A key that climbs out of the blob
 * root could overwrite the SQLite database, the secret key or another project's files, or read them back.
 */
const HOSTILE_KEYS = [
  "",
  "../secret.key",
  "pypi/../../secret.key",
  "pypi/ab/..",
  "/etc/passwd",
  "pypi\\..\\..\\secret.key",
  "pypi/ab\\cd.whl",
  "C:/Windows/win.ini",
  "pypi//double-slash.whl",
  "pypi/./dot.whl",
  "pypi/ab/",
  "pypi/nul\u0000.whl",
  "pypi/new\nline.whl",
  ".tmp/0b6f-staged-upload",
  "x".repeat(1025),
];

const body = (text: string): Readable => Readable.from([Buffer.from(text)]);

describe("blob key validation", () => {
  it.each(HOSTILE_KEYS)("refuses %j", (key) => {
    expect(() => validateKey(key)).toThrow(/Invalid blob key/);
  });

  it.each([
    "pypi/ab/cd/abcdef0123/wharf-1.0-py3-none-any.whl",
    "npm/@scope/pkg/-/pkg-1.0.0.tgz",
    "pypi/ab/cd/..hidden..tar.gz",
    "a",
  ])("accepts %j", (key) => {
    expect(validateKey(key)).toBe(key);
  });
});

describe("filesystem store against path traversal", () => {
  let dir: string;
  let root: string;
  let store: BlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-sec-"));
    root = join(dir, "data", "blobs");
    await mkdir(root, { recursive: true });
    // Stand-in for what an attacker would aim at: files next to the blob root.
    await writeFile(join(dir, "data", "secret.key"), "do not leak");
    store = createFsBlobStore(root);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(HOSTILE_KEYS)("refuses every operation on %j", async (key) => {
    const staged = await store.stage(body("attacker bytes"));
    await expect(staged.commit(key)).rejects.toThrow(/Invalid blob key/);
    await expect(store.get(key)).rejects.toThrow(/Invalid blob key/);
    await expect(store.stat(key)).rejects.toThrow(/Invalid blob key/);
    await expect(store.delete(key)).rejects.toThrow(/Invalid blob key/);
    await staged.discard();
    // Nothing was overwritten, deleted or created outside the root, and the temp area is clean.
    expect(await readdir(join(dir, "data"))).toEqual(["blobs", "secret.key"]);
    expect(await readdir(join(root, ".tmp"))).toEqual([]);
  });

  it("cannot read or clobber an in-flight upload through the temp area", async () => {
    const staged = await store.stage(body("someone else's upload"));
    const [tempName] = await readdir(join(root, ".tmp"));
    await expect(store.get(`.tmp/${tempName}`)).rejects.toThrow(/reserved/);
    await expect(store.delete(`.tmp/${tempName}`)).rejects.toThrow(/reserved/);
    await staged.discard();
  });

  it("refuses a hostile key in putWithRow before storing the body or running the work", async () => {
    let ran = false;
    const attempt = putWithRow(store, body("attacker bytes"), "../secret.key", async () => {
      ran = true;
    });
    await expect(attempt).rejects.toThrow(/Invalid blob key/);
    expect(ran).toBe(false);
    expect(await readdir(root)).toEqual([]);
  });
});

describe("S3 store against key injection", () => {
  // Validation happens before any request: an unreachable endpoint proves no request was attempted,
  // since a sent request would fail with a network error instead.
  const store = createS3BlobStore({
    bucket: "wharf-test",
    endpoint: "http://127.0.0.1:1",
    region: "us-east-1",
    accessKeyId: "x",
    secretAccessKey: "y",
    forcePathStyle: true,
    prefix: "wharf/",
  });

  it.each(HOSTILE_KEYS)("refuses every operation on %j without a request", async (key) => {
    await expect(store.get(key)).rejects.toThrow(/Invalid blob key/);
    await expect(store.stat(key)).rejects.toThrow(/Invalid blob key/);
    await expect(store.delete(key)).rejects.toThrow(/Invalid blob key/);
  });

  it("cannot reach another upload's temp object under the prefix", async () => {
    await expect(store.get(".tmp/6f1c2d")).rejects.toThrow(/reserved/);
  });
});
