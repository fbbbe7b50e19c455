import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inlineDigests } from "./digest-inline.js";
import { killDigestWorkerForTests, planDigests, uploadDigests, warmDigestWorker } from "./digest-pool.js";
import { blake2b256, fileDigests } from "./digests.js";
import type { Algorithm } from "./hashers.js";

function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 9)) % 256;
  return b;
}

const PYPI = ["sha256", "md5", "blake2b256"] as const;
const NPM = ["sha512", "sha1", "sha256", "md5", "blake2b256"] as const;

/** The one-thread reference: every digest of `data`, computed in one go. */
async function reference(data: Uint8Array): Promise<Record<Algorithm, string>> {
  return {
    ...(await fileDigests(data)),
    sha512: createHash("sha512").update(data).digest("hex"),
    sha1: createHash("sha1").update(data).digest("hex"),
  };
}

const pick = <A extends Algorithm>(d: Record<Algorithm, string>, algs: readonly A[]) =>
  Object.fromEntries(algs.map((a) => [a, d[a]]));

async function feed(d: { update(c: Uint8Array): Promise<void> | undefined }, data: Buffer, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    const wait = d.update(data.subarray(at, at + size));
    at += size;
    if (wait) await wait;
  }
}

describe("upload digests on several threads", () => {
  beforeAll(async () => {
    expect(await warmDigestWorker()).toBe(true);
  });

  it.skipIf(!existsSync("/proc/thread-self"))(
    "run below the event loop's priority, so other requests go first while an upload is hashed",
    async () => {
      // This process's threads: the event loop's niceness, and the digest workers' (started above).
      const nice = (task: string) =>
        Number(readFileSync(`/proc/self/task/${task}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
      const mine = nice(String(process.pid));
      const lowered = readdirSync("/proc/self/task").filter((t) => nice(t) > mine);
      expect(lowered.length).toBeGreaterThanOrEqual(2);
    },
  );

  it("give the digests computed in one thread, for chunks that are views of a larger buffer", async () => {
    const data = bytes(5 * 1024 * 1024 + 17);
    const d = await uploadDigests(PYPI);
    await feed(d, data, [65_536]);
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("give the one-thread reference's digests for many chunkings, PyPI's three and npm's five", async () => {
    const data = bytes(3 * 1024 * 1024 + 1001);
    const want = await reference(data);
    for (const sizes of [[1], [7, 65_536], [1_048_576], [333_333, 1, 4_000_000], [data.length]]) {
      if (sizes[0] === 1 && sizes.length === 1) {
        // One byte at a time is slow; a shorter prefix checks it.
        const small = data.subarray(0, 20_000);
        const d = await uploadDigests(NPM);
        await feed(d, small, sizes);
        expect(await d.digest()).toEqual(pick(await reference(small), NPM));
        continue;
      }
      for (const algs of [PYPI, NPM]) {
        const d = await uploadDigests(algs, { mainLoad: algs === NPM ? 1.2 : 0.5 });
        await feed(d, data, sizes);
        expect(await d.digest()).toEqual(pick(want, algs));
      }
    }
  });

  it("keep concurrent uploads apart", async () => {
    const [a, b] = [bytes(300_000), bytes(200_001).reverse()];
    const [da, db] = await Promise.all([uploadDigests(PYPI), uploadDigests(NPM)]);
    for (let at = 0; at < 300_000; at += 50_000) {
      await da.update(a.subarray(at, at + 50_000));
      await db.update(b.subarray(at, at + 50_000));
    }
    const [ra, rb] = await Promise.all([da.digest(), db.digest()]);
    expect(ra).toEqual(await fileDigests(a));
    expect(rb).toEqual(pick(await reference(b), NPM));
  });

  it("ask the caller to wait once more than 8 MiB are waiting for the workers (bounded memory)", async () => {
    const d = await uploadDigests(PYPI);
    const big = bytes(9 * 1024 * 1024);
    const wait = d.update(big);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(await d.digest()).toEqual(await fileDigests(big));
  });

  it("give the right digests when chunks wrap around the shared ring and some do not fit in it", async () => {
    // 25 MiB in odd-sized chunks goes round the 10 MiB ring more than twice, splitting chunks at its
    // end; the 12 MiB chunk, sent without waiting, is larger than the ring and travels as a copy.
    const data = bytes(25 * 1024 * 1024 + 5);
    const d = await uploadDigests(NPM);
    let at = 0;
    for (const size of [12 * 1024 * 1024, 1_000_003, 777_777]) {
      const wait = d.update(data.subarray(at, at + size));
      at += size;
      if (wait) await wait;
    }
    await feed(d, data.subarray(at), [999_999]);
    expect(await d.digest()).toEqual(pick(await reference(data), NPM));
  });

  it("give the right digests for a chunk exactly the ring's size (10 MiB), sent into an empty ring", async () => {
    const data = bytes(10 * 1024 * 1024 + 3);
    const d = await uploadDigests(PYPI);
    await d.update(data.subarray(0, 10 * 1024 * 1024));
    await d.update(data.subarray(10 * 1024 * 1024));
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("reuse a ring after a dropped upload without mixing the next upload's bytes", async () => {
    const dropped = await uploadDigests(PYPI);
    dropped.update(bytes(3 * 1024 * 1024));
    dropped.drop();
    const data = bytes(4 * 1024 * 1024).reverse();
    const d = await uploadDigests(PYPI);
    await feed(d, data, [100_000]);
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("hash an empty upload", async () => {
    const d = await uploadDigests(NPM);
    expect(await d.digest()).toEqual(pick(await reference(Buffer.alloc(0)), NPM));
  });

  it("fail the upload when a worker dies mid-stream, and hash the next upload right", async () => {
    const d = await uploadDigests(PYPI);
    await feed(d, bytes(2 * 1024 * 1024), [65_536]);
    await killDigestWorkerForTests(1);
    const late = async () => {
      await feed(d, bytes(1024 * 1024), [65_536]);
      return d.digest();
    };
    await expect(late()).rejects.toThrow(/Hashing the upload failed/);
    d.drop();
    // The next upload starts the worker again (or hashes inline meanwhile): same digests either way.
    expect(await warmDigestWorker()).toBe(true);
    const data = bytes(1024 * 1024 + 1);
    const next = await uploadDigests(PYPI);
    await feed(next, data, [65_536]);
    expect(await next.digest()).toEqual(await fileDigests(data));
  });

  it("write the bytes to the file once, from the ring, in order, whatever the chunking", async () => {
    const dir = await mkdtemp(join(tmpdir(), "digest-file-"));
    const data = bytes(12 * 1024 * 1024 + 333);
    for (const sizes of [[65_536], [7, 1_048_577], [11 * 1024 * 1024]]) {
      const file = join(dir, `f${sizes[0]}`);
      const d = await uploadDigests(PYPI, { file });
      await feed(d, data, sizes);
      expect(await d.digest()).toEqual(await fileDigests(data));
      expect((await readFile(file)).equals(data)).toBe(true);
    }
    await rm(dir, { recursive: true });
  });

  it("delete the file of a dropped upload, also when it is dropped before the writer began", async () => {
    const dir = await mkdtemp(join(tmpdir(), "digest-file-"));
    const late = await uploadDigests(PYPI, { file: join(dir, "early") });
    await late.drop();
    const d = await uploadDigests(NPM, { file: join(dir, "mid") });
    await feed(d, bytes(3 * 1024 * 1024), [65_536]);
    await d.drop();
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it("keep the BLAKE2b-256 of RFC 7693 through the workers", async () => {
    const d = await uploadDigests(["blake2b256"]);
    await d.update(Buffer.from("abc"));
    expect((await d.digest()).blake2b256).toBe(await blake2b256("abc"));
  });
});

describe("upload digests without workers", () => {
  it("hash inline and write the file, or delete it when dropped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "digest-inline-"));
    const data = bytes(1024 * 1024 + 5);
    const d = await inlineDigests(PYPI, join(dir, "kept"));
    await feed(d, data, [65_536]);
    expect(await d.digest()).toEqual(await fileDigests(data));
    expect((await readFile(join(dir, "kept"))).equals(data)).toBe(true);
    const dropped = await inlineDigests(PYPI, join(dir, "dropped"));
    await feed(dropped, data, [65_536]);
    await dropped.drop();
    expect(await readdir(dir)).toEqual(["kept"]);
    await rm(dir, { recursive: true });
  });
});

describe("planDigests", () => {
  it("gives the file writes to the first worker, with BLAKE2b-256, and md5 to the other", () => {
    expect(planDigests(PYPI, 0.5, 2, true)).toEqual([["sha256"], ["blake2b256"], ["md5"]]);
  });

  it("keeps every digest off an event loop as busy as a twine upload's or an npm publish's", () => {
    expect(planDigests(PYPI, 1.6, 2, true)).toEqual([[], ["blake2b256"], ["md5", "sha256"]]);
    expect(planDigests(NPM, 5, 2, true)[0]).toEqual([]);
  });

  it("puts twine's md5 and BLAKE2b-256 in a worker each and sha256 on the event loop", () => {
    expect(planDigests(PYPI, 0.5, 2)).toEqual([["sha256"], ["md5"], ["blake2b256"]]);
  });

  it("spreads npm's five digests so that no thread carries much more than the others", () => {
    const lanes = planDigests(NPM, 1.2, 2);
    expect(lanes.flat().sort()).toEqual([...NPM].sort());
    expect(lanes[1]!.length + lanes[2]!.length).toBeGreaterThanOrEqual(4);
  });

  it("gives md5, BLAKE2b-256 and sha256 with the file writes a worker each when there are three", () => {
    expect(planDigests(PYPI, 1.6, 3, true)).toEqual([[], ["sha256"], ["md5"], ["blake2b256"]]);
  });

  it("puts everything on the event loop's side only when there is no worker", () => {
    expect(planDigests(PYPI, 0.5, 0)).toEqual([["md5", "blake2b256", "sha256"]]);
  });
});
