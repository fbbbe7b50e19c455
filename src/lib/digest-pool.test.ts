import { beforeAll, describe, expect, it } from "vitest";
import { uploadDigests, warmDigestWorker } from "./digest-pool.js";
import { fileDigests } from "./digests.js";

function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 9)) % 256;
  return b;
}

describe("upload digests on two threads", () => {
  beforeAll(async () => {
    expect(await warmDigestWorker()).toBe(true);
  });

  it("give the digests computed in one thread, for chunks that are views of a larger buffer", async () => {
    const data = bytes(5 * 1024 * 1024 + 17);
    const d = await uploadDigests();
    for (let at = 0; at < data.length; at += 65_536) {
      const wait = d.update(data.subarray(at, at + 65_536));
      if (wait) await wait;
    }
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("keep concurrent uploads apart", async () => {
    const [a, b] = [bytes(300_000), bytes(200_001).reverse()];
    const [da, db] = await Promise.all([uploadDigests(), uploadDigests()]);
    for (let at = 0; at < 300_000; at += 50_000) {
      await da.update(a.subarray(at, at + 50_000));
      await db.update(b.subarray(at, at + 50_000));
    }
    const [ra, rb] = await Promise.all([da.digest(), db.digest()]);
    expect(ra).toEqual(await fileDigests(a));
    expect(rb).toEqual(await fileDigests(b));
  });

  it("ask the caller to wait once more than 8 MiB are waiting for the worker (bounded memory)", async () => {
    const d = await uploadDigests();
    const big = bytes(9 * 1024 * 1024);
    const wait = d.update(big);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect((await d.digest()).sha256).toBe((await fileDigests(big)).sha256);
  });

  it("give the right digests when chunks wrap around the shared ring and some do not fit in it", async () => {
    // 25 MiB in odd-sized chunks goes round the 10 MiB ring more than twice, splitting chunks at its
    // end; the 12 MiB chunk, sent without waiting, is larger than the ring and travels as a copy.
    const data = bytes(25 * 1024 * 1024 + 5);
    const d = await uploadDigests();
    let at = 0;
    for (const size of [12 * 1024 * 1024, 1_000_003, 777_777]) {
      const wait = d.update(data.subarray(at, at + size));
      at += size;
      if (wait) await wait;
    }
    while (at < data.length) {
      const wait = d.update(data.subarray(at, at + 999_999));
      at += 999_999;
      if (wait) await wait;
    }
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("give the right digests for a chunk exactly the ring's size (10 MiB), sent into an empty ring", async () => {
    const data = bytes(10 * 1024 * 1024 + 3);
    const d = await uploadDigests();
    await d.update(data.subarray(0, 10 * 1024 * 1024));
    await d.update(data.subarray(10 * 1024 * 1024));
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("reuse a ring after a dropped upload without mixing the next upload's bytes", async () => {
    const dropped = await uploadDigests();
    dropped.update(bytes(3 * 1024 * 1024));
    dropped.drop();
    const data = bytes(4 * 1024 * 1024).reverse();
    const d = await uploadDigests();
    for (let at = 0; at < data.length; at += 100_000) await d.update(data.subarray(at, at + 100_000));
    expect(await d.digest()).toEqual(await fileDigests(data));
  });

  it("hash an empty upload", async () => {
    const d = await uploadDigests();
    expect(await d.digest()).toEqual(await fileDigests(Buffer.alloc(0)));
  });
});
