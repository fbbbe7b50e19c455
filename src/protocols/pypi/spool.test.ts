import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { killDigestWorkerForTests, warmDigestWorker } from "../../lib/digest-pool.js";
import { fileDigests } from "../../lib/digests.js";
import { spoolDir, spoolUpload } from "./spool.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "wharf-spool-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const file = Buffer.alloc(6 * MiB, 0).map((_, i) => (i * 131) % 256);

/** The file in 64 KiB pieces; `midway` runs once half of it has been read. */
function body(midway: () => Promise<void> = async () => {}): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < file.length; at += 65_536) {
        if (at === file.length / 2) await midway();
        yield file.subarray(at, at + 65_536);
      }
    })(),
  );
}

describe("spooling a twine upload", () => {
  it("writes the file and gives its three digests, hashed on the digest workers", async () => {
    expect(await warmDigestWorker()).toBe(true);
    const spooled = await spoolUpload(dataDir, body(), 64 * MiB, "too large");
    expect(spooled.size).toBe(file.length);
    const { sha256, md5, blake2b256 } = spooled;
    expect({ sha256, md5, blake2b256 }).toEqual(await fileDigests(file));
    expect(sha256).toBe(createHash("sha256").update(file).digest("hex"));
    await spooled.remove();
  });

  for (const worker of [0, 1]) {
    it(`fails and leaves no spool file when digest worker ${worker} dies mid-upload`, async () => {
      expect(await warmDigestWorker()).toBe(true);
      const upload = spoolUpload(
        dataDir,
        body(() => killDigestWorkerForTests(worker)),
        64 * MiB,
        "too large",
      );
      await expect(upload).rejects.toThrow(/Hashing the upload failed/);
      expect(await readdir(spoolDir(dataDir))).toEqual([]);
    });
  }
});
