import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsBlobStore } from "./fs-store.js";
import { BlobNotFoundError, type BlobStore, createBlobStore, putWithRow } from "./index.js";
import { createS3BlobStore } from "./s3-store.js";

interface Backend {
  store: BlobStore;
  /** Every leftover temp: staged objects plus (S3) locally spooled files. */
  temps(): Promise<string[]>;
  /** Every stored name, temps included. */
  all(): Promise<string[]>;
  close(): Promise<void>;
}

const BUCKET = "wharf-test";

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function fsBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-fs-"));
  const root = join(dir, "blobs");
  return {
    store: createFsBlobStore(root),
    temps: () => listFiles(join(root, ".tmp")),
    all: () => listFiles(root),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-s3-"));
  const spoolDir = join(dir, "spool");
  await mkdir(spoolDir);
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  const s3 = {
    bucket: BUCKET,
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    // s3rver's fixed credentials; it verifies SigV4 signatures, so these must match.
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
    prefix: "wharf/",
  };
  const inspector = new S3Client({
    ...s3,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const list = async (Prefix: string): Promise<string[]> => {
    const out = await inspector.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix }));
    return (out.Contents ?? []).map((o) => o.Key ?? "");
  };
  return {
    store: createS3BlobStore(s3, { spoolDir }),
    temps: async () => [...(await list("wharf/.tmp/")), ...(await listFiles(spoolDir))],
    all: () => list(""),
    close: async () => {
      inspector.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const body = (text: string | Buffer): Readable => Readable.from([Buffer.from(text)]);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A client that sends some bytes and then disconnects. */
function failingBody(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < 3) this.push(randomBytes(64 * 1024));
      else this.destroy(new Error("client went away"));
    },
  });
}

let seq = 0;
const uniqueKey = (name = "file.whl"): string =>
  `pypi/ab/cd/${++seq}-${randomBytes(4).toString("hex")}/${name}`;

describe.each([
  { kind: "fs", setup: fsBackend },
  { kind: "s3", setup: s3Backend },
])("$kind blob store", ({ kind, setup }) => {
  let b: Backend;
  beforeAll(async () => {
    b = await setup();
  });
  afterAll(async () => {
    await b?.close();
  });

  it("reports its kind", () => {
    expect(b.store.kind).toBe(kind);
  });

  it("returns the committed bytes under the key", async () => {
    const key = uniqueKey();
    const staged = await b.store.stage(body("hello wharf"));
    expect(staged.size).toBe(11);
    await staged.commit(key);
    expect((await readAll(await b.store.get(key))).toString()).toBe("hello wharf");
  });

  it("takes over a handed-over file: its bytes under the key, the file gone, nothing left behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-handover-"));
    const file = join(dir, "upload.part");
    const bytes = randomBytes(300_000);
    await writeFile(file, bytes);
    const key = uniqueKey();
    const staged = await b.store.stage({ file });
    expect(staged.size).toBe(bytes.length);
    await staged.commit(key);
    expect((await readAll(await b.store.get(key))).equals(bytes)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
    expect(await b.temps()).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips a 5 MB streamed body", async () => {
    const key = uniqueKey("big.tar.gz");
    const sent = createHash("sha256");
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 80; i++) {
        const chunk = randomBytes(64 * 1024);
        sent.update(chunk);
        yield chunk;
      }
    }
    const staged = await b.store.stage(Readable.from(chunks()));
    expect(staged.size).toBe(5 * 1024 * 1024);
    await staged.commit(key);
    const received = createHash("sha256");
    for await (const chunk of await b.store.get(key)) received.update(chunk as Buffer);
    expect(received.digest("hex")).toBe(sent.digest("hex"));
    expect(await b.store.stat(key)).toMatchObject({ size: 5 * 1024 * 1024 });
  });

  it("stores an empty body", async () => {
    const key = uniqueKey();
    const staged = await b.store.stage(Readable.from([]));
    expect(staged.size).toBe(0);
    await staged.commit(key);
    expect(await b.store.stat(key)).toMatchObject({ size: 0 });
    expect((await readAll(await b.store.get(key))).length).toBe(0);
  });

  describe("range reads", () => {
    let key: string;
    beforeAll(async () => {
      key = uniqueKey();
      await (await b.store.stage(body("0123456789"))).commit(key);
    });
    const read = async (range: { start: number; end?: number }) =>
      (await readAll(await b.store.get(key, range))).toString();

    it("reads from a start offset to the end", async () => {
      expect(await read({ start: 3 })).toBe("3456789");
    });
    it("reads an inclusive start..end slice", async () => {
      expect(await read({ start: 2, end: 5 })).toBe("2345");
    });
    it("reads just the last byte", async () => {
      expect(await read({ start: 9, end: 9 })).toBe("9");
    });
    it("clamps an end past the last byte", async () => {
      expect(await read({ start: 7, end: 100 })).toBe("789");
    });
    it("rejects a start past the last byte as unsatisfiable", async () => {
      await expect(b.store.get(key, { start: 10 })).rejects.toBeInstanceOf(RangeError);
    });
    it("rejects a negative or inverted range", async () => {
      await expect(b.store.get(key, { start: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(b.store.get(key, { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  it("stats a stored blob and returns null for a missing one", async () => {
    const key = uniqueKey();
    await (await b.store.stage(body("abc"))).commit(key);
    expect(await b.store.stat(key)).toMatchObject({ size: 3 });
    expect(await b.store.stat(uniqueKey())).toBeNull();
  });

  it("overwrites an existing key on commit", async () => {
    const key = uniqueKey();
    await (await b.store.stage(body("first"))).commit(key);
    await (await b.store.stage(body("second"))).commit(key);
    expect((await readAll(await b.store.get(key))).toString()).toBe("second");
  });

  it("deletes idempotently", async () => {
    const key = uniqueKey();
    await (await b.store.stage(body("gone soon"))).commit(key);
    await b.store.delete(key);
    await b.store.delete(key);
    await b.store.delete(uniqueKey());
    expect(await b.store.stat(key)).toBeNull();
  });

  it("rejects get of a missing key with BlobNotFoundError", async () => {
    await expect(b.store.get(uniqueKey())).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(b.store.get(uniqueKey(), { start: 0 })).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it("keeps staged bytes invisible until commit, and discard removes them", async () => {
    const key = uniqueKey();
    const staged = await b.store.stage(body("pending"));
    expect(await b.store.stat(key)).toBeNull();
    expect(await b.temps()).toHaveLength(1);
    await staged.discard();
    await staged.discard();
    expect(await b.temps()).toEqual([]);
    expect(await b.store.stat(key)).toBeNull();
  });

  it("leaves no temp behind after commit", async () => {
    await (await b.store.stage(body("x"))).commit(uniqueKey());
    expect(await b.temps()).toEqual([]);
  });

  it("leaves nothing behind when the body stream errors midway", async () => {
    const before = await b.all();
    await expect(b.store.stage(failingBody())).rejects.toThrow("client went away");
    expect(await b.temps()).toEqual([]);
    expect(await b.all()).toEqual(before);
  });

  it("answers ping", async () => {
    await expect(b.store.ping()).resolves.toBeUndefined();
  });

  describe("putWithRow", () => {
    it("commits the blob and returns the work's result", async () => {
      const key = uniqueKey();
      const result = await putWithRow(b.store, body("row+blob"), key, async (staged, commitBlob) => {
        expect(staged.size).toBe(8);
        await commitBlob();
        return "row-id";
      });
      expect(result).toBe("row-id");
      expect((await readAll(await b.store.get(key))).toString()).toBe("row+blob");
    });

    it("removes the committed object when the work throws after commitBlob", async () => {
      const key = uniqueKey();
      const failed = putWithRow(b.store, body("orphan"), key, async (_staged, commitBlob) => {
        await commitBlob();
        throw new Error("transaction rolled back");
      });
      await expect(failed).rejects.toThrow("transaction rolled back");
      expect(await b.store.stat(key)).toBeNull();
      expect(await b.temps()).toEqual([]);
    });

    it("removes the staged temp when the work throws before commitBlob", async () => {
      const key = uniqueKey();
      const failed = putWithRow(b.store, body("never committed"), key, async () => {
        throw new Error("duplicate file name");
      });
      await expect(failed).rejects.toThrow("duplicate file name");
      expect(await b.store.stat(key)).toBeNull();
      expect(await b.temps()).toEqual([]);
    });

    it("keeps an object another row already owned when the work fails", async () => {
      const key = uniqueKey();
      await putWithRow(b.store, body("same"), key, async (_s, commitBlob) => commitBlob());
      const failed = putWithRow(b.store, body("same"), key, async (_s, commitBlob) => {
        await commitBlob();
        throw new Error("unique constraint");
      });
      await expect(failed).rejects.toThrow("unique constraint");
      expect((await readAll(await b.store.get(key))).toString()).toBe("same");
    });
  });
});

describe("createBlobStore", () => {
  it("uses the filesystem under <dataDir>/blobs when S3 is not configured", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "wharf-data-"));
    try {
      const store = await createBlobStore({ dataDir, s3: undefined });
      expect(store.kind).toBe("fs");
      await (await store.stage(body("on disk"))).commit("npm/a/b.tgz");
      expect(await listFiles(join(dataDir, "blobs"))).toEqual([join(dataDir, "blobs", "npm", "a", "b.tgz")]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("uses S3 when a bucket is configured", async () => {
    const s3 = { bucket: "b", region: "us-east-1", forcePathStyle: true, prefix: "" };
    expect((await createBlobStore({ dataDir: "/unused", s3 })).kind).toBe("s3");
  });
});

describe("ping failures", () => {
  it("rejects when the fs root cannot be created", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-ping-"));
    try {
      await writeFile(join(dir, "not-a-dir"), "");
      await expect(createFsBlobStore(join(dir, "not-a-dir", "blobs")).ping()).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects when the S3 endpoint is unreachable", async () => {
    const store = createS3BlobStore({
      bucket: BUCKET,
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      accessKeyId: "x",
      secretAccessKey: "y",
      forcePathStyle: true,
      prefix: "",
    });
    await expect(store.ping()).rejects.toThrow();
  });
});

describe("temp sweep after a crash", () => {
  it("removes stale staged temp files of the filesystem store and keeps committed blobs", async () => {
    const { mkdtempSync, readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Readable } = await import("node:stream");
    const { createFsBlobStore } = await import("./fs-store.js");
    const root = mkdtempSync(join(tmpdir(), "wharf-sweep-"));
    const store = createFsBlobStore(root);
    const kept = await store.stage(Readable.from([Buffer.from("kept")]));
    await kept.commit("a/b/kept");
    await store.stage(Readable.from([Buffer.from("orphan")])); // never committed: a crash
    expect(readdirSync(join(root, ".tmp"))).toHaveLength(1);
    expect(await store.sweepTemp(0)).toBe(1);
    expect(readdirSync(join(root, ".tmp"))).toHaveLength(0);
    expect(await store.stat("a/b/kept")).toMatchObject({ size: 4 });
  });
});

describe("a handed-over file on the filesystem store", () => {
  it("is renamed into place, not copied (the same inode ends up under the key)", async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-fs-inode-"));
    const store = createFsBlobStore(join(root, "blobs"));
    const file = join(root, "spooled.part");
    await writeFile(file, "spooled bytes");
    const before = (await stat(file)).ino;
    await (await store.stage({ file })).commit("pypi/aa/bb/x/f.whl");
    expect((await stat(join(root, "blobs", "pypi/aa/bb/x/f.whl"))).ino).toBe(before);
    await rm(root, { recursive: true, force: true });
  });
});
