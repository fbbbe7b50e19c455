import { rm } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import { createSpoolFile, inlineDigests, type UploadDigests } from "./digest-inline.js";
import { DigestThread } from "./digest-thread.js";
import type { DigestRequest } from "./digest-worker.js";
import {
  type Algorithm,
  COST_MS_PER_MIB,
  createHashers,
  type Digested,
  WRITE_MS_PER_MIB,
} from "./hashers.js";
import { RingLedger } from "./ring-ledger.js";

/*
 * The digests of an upload computed on several threads: the algorithms are spread over the event loop
 * and DIGEST_WORKERS workers (planDigests), each worker reading the same shared ring, and the first
 * worker also writes the spool file from it. At most MAX_IN_FLIGHT bytes wait for the slowest worker:
 * past that, `update` returns a promise and the caller's stream pauses, so a slow worker slows the
 * upload down instead of filling memory. When the workers cannot start, the digests are computed and
 * the file written inline (digest-inline.ts: slower, same result).
 */
export type { UploadDigests } from "./digest-inline.js";

/**
 * Three workers: planDigests then gives each of a twine upload's md5, BLAKE2b-256 and sha256 (+ the file
 * writes) a thread, and npm's sha512, sha1 and sha256 likewise, so on four cores or more the slowest lane
 * is one digest (md5, ~1.4-1.8 ms/MiB here) instead of two. Two workers had been chosen for the 2-core VM
 * the benchmarks run on, where both cores are busy during a big upload anyway ("cores busy" in
 * bench/upload.mjs); measured there against two workers (bench/upload.mjs with BENCH_BASELINE, 10 paired
 * rounds in two runs, stop 32): npm publishes of 100 MiB 1-17 points of the ceiling faster in 9 of 10
 * rounds, twine uploads no different (-7 to +12), 8.6 MiB more RSS at rest.
 */
const DIGEST_WORKERS = 3;
const MAX_IN_FLIGHT = 8 * 1024 * 1024;
/**
 * Each open stream has a shared ring this large: MAX_IN_FLIGHT plus room for the chunk that crosses
 * it (a caller that waits on update()'s promise never sends more than 2 MiB past the limit).
 */
const RING_BYTES = MAX_IN_FLIGHT + 2 * 1024 * 1024;
/** Idle rings kept for the next uploads (allocating 10 MiB of shared memory per upload is not free). */
const IDLE_RINGS = 4;
/** Ring bytes are announced to the workers once this many are waiting (and before any wait or end). */
const ANNOUNCE_BYTES = 1024 * 1024;
class DigestPool {
  readonly threads = Array.from({ length: DIGEST_WORKERS }, () => new DigestThread());
  private readonly rings: Uint8Array[] = [];
  private nextId = 1;

  /**
   * Set by warm(): `wharf serve` starts the workers at boot. A process that never asked for them (a
   * CLI command, an app built by a test) hashes inline instead of starting two threads on its first
   * upload: under vitest each one loads the TypeScript compiler, which made the first publishes of a
   * test file several times slower on a loaded machine.
   */
  private wanted = false;

  /** Every worker, or null when one of them is not running (the upload then hashes inline). */
  async get(): Promise<Worker[] | null> {
    if (!this.wanted) return null;
    const workers = await Promise.all(this.threads.map((t) => t.get()));
    return workers.every((w) => w !== null) ? (workers as Worker[]) : null;
  }

  async warm(): Promise<boolean> {
    this.wanted = true;
    return (await Promise.all(this.threads.map((t) => t.warm()))).every(Boolean);
  }

  id(): number {
    return this.nextId++;
  }

  takeRing(): Uint8Array {
    return this.rings.pop() ?? new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  }

  returnRing(ring: Uint8Array): void {
    if (this.rings.length < IDLE_RINGS && !this.rings.includes(ring)) this.rings.push(ring);
  }
}

const pool = new DigestPool();

/**
 * Which thread hashes what: lane 0 is the event loop, which already spends `mainLoad` ms per MiB on the
 * upload itself (reading the socket, parsing); lanes 1.. are the workers, and with `writes` lane 1
 * also writes the file. The most expensive algorithm goes first to the least loaded lane (ties go to a
 * worker, keeping the event loop free for other requests). For a twine upload (the event loop at
 * ~1.6 ms/MiB) and three workers: sha256 and the file writes in the first, md5 and BLAKE2b-256 in one each.
 */
export function planDigests<A extends Algorithm>(
  algorithms: readonly A[],
  mainLoad: number,
  workers: number,
  writes = false,
): A[][] {
  const lanes = Array.from({ length: workers + 1 }, () => [] as A[]);
  const load = lanes.map((_, i) => (i === 0 ? mainLoad : i === 1 && writes ? WRITE_MS_PER_MIB : 0));
  const byCost = [...new Set(algorithms)].sort((a, b) => COST_MS_PER_MIB[b] - COST_MS_PER_MIB[a]);
  for (const a of byCost) {
    let best = 1 % lanes.length;
    for (let i = 0; i < lanes.length; i++) if (load[i]! < load[best]!) best = i;
    lanes[best]!.push(a);
    load[best]! += COST_MS_PER_MIB[a];
  }
  return lanes;
}

/**
 * Starts the digest workers so the first large upload already has them (at server start-up; tests and
 * benchmarks await it). Resolves to whether they run.
 */
export function warmDigestWorker(): Promise<boolean> {
  return pool.warm();
}

/** Tests: digest worker `index` dies mid-stream, as on a crash. */
export function killDigestWorkerForTests(index: number): Promise<void> {
  return pool.threads[index]!.kill();
}

export interface DigestOptions {
  /** What the event loop already spends per MiB of this upload (ms), for planDigests. */
  mainLoad?: number;
  /** Also write the bytes to a new file here (the spool file): see UploadDigests. */
  file?: string;
}

export async function uploadDigests<A extends Algorithm>(
  algorithms: readonly A[],
  options: DigestOptions = {},
): Promise<UploadDigests<A>> {
  const all = await pool.get();
  if (!all) return inlineDigests(algorithms, options.file);
  const writes = options.file !== undefined;
  const [mine = [], ...shares] = planDigests(algorithms, options.mainLoad ?? 0.5, all.length, writes);
  // The first worker writes the file (planDigests counted it), even with no digest of its own.
  const lanes = shares.flatMap((algs, i) =>
    algs.length || (writes && i === 0) ? [{ worker: all[i]!, thread: pool.threads[i]!, algs }] : [],
  );
  if (lanes.length === 0) return inlineDigests(algorithms, options.file);
  const here = await createHashers(mine);
  const fh = writes ? await createSpoolFile(options.file!) : null;
  const id = pool.id();
  const ring = pool.takeRing();
  // Ring bytes not yet hashed by every worker, and all bytes (ring or copies) likewise.
  const ringLedger = new RingLedger(RING_BYTES, lanes.length);
  const inFlight = new RingLedger(MAX_IN_FLIGHT, lanes.length);
  let failure: Error | null = null;
  let resume: { go: () => void; stop: (e: Error) => void } | null = null;
  const results: Partial<Record<Algorithm, string>>[] = [];
  let result: { done: () => void; stop: (e: Error) => void } | null = null;
  let closed = false;
  // The writing worker's last word on this stream (its digests, "dropped", an error, its death): only
  // then may the descriptor be closed, or a late write could land in the next file given its number.
  let writerDone = () => {};
  const writerFinished = new Promise<void>((r) => {
    writerDone = r;
  });
  if (!fh) writerDone();
  const close = () => {
    if (closed) return;
    closed = true;
    // The writer's handler stays until its last word.
    for (const [i, l] of lanes.entries()) if (!(fh && i === 0)) l.thread.close(id);
    pool.returnRing(ring);
  };
  const post = (m: DigestRequest) => {
    for (const l of lanes) l.worker.postMessage(m);
  };
  lanes.forEach((lane, reader) => {
    lane.thread.open(id, (reply) => {
      if (fh && reader === 0 && reply.op !== "ack") {
        lane.thread.close(id);
        writerDone();
      }
      if (closed) return;
      if (reply.op === "ack") {
        inFlight.ack(reader, reply.bytes);
        if (reply.ring) ringLedger.ack(reader, reply.bytes);
        if (resume && inFlight.free >= 0) {
          resume.go();
          resume = null;
        }
      } else if (reply.op === "digest") {
        results.push(reply.digests);
        if (results.length === lanes.length) {
          close();
          result?.done();
        }
      } else if (reply.op === "error") {
        // One worker failed or died: the upload fails (the caller drops it, which deletes the file); the
        // others forget it.
        failure = new Error(`Hashing the upload failed: ${reply.error}`);
        close();
        for (const l of lanes)
          if (l !== lane) l.worker.postMessage({ id, op: "drop" } satisfies DigestRequest);
        resume?.stop(failure);
        result?.stop(failure);
      }
    });
  });
  for (const [i, l] of lanes.entries()) {
    const start: DigestRequest = {
      id,
      op: "start",
      ring: ring.buffer as SharedArrayBuffer,
      algorithms: l.algs,
      ...(fh && i === 0 ? { fd: fh.fd } : {}),
    };
    l.worker.postMessage(start);
  }

  let dropped: Promise<void> | null = null;
  let head = 0;
  // Bytes copied into the ring but not yet announced to the workers: ring[pending, head).
  let pending = 0;
  const announce = (end = head) => {
    if (end > pending) post({ id, op: "ring", offset: pending, length: end - pending });
    pending = end === RING_BYTES ? 0 : end;
  };
  const send = (chunk: Uint8Array) => {
    const len = chunk.byteLength;
    if (len <= ringLedger.free) {
      // Copied into the shared ring and announced by offset, about once per MiB: messages carry no
      // bytes and are few. A transferred copy per socket chunk cost more in postMessage than hashing
      // the chunk did (thousands of messages for a 500 MiB twine upload).
      const first = Math.min(len, RING_BYTES - head);
      ring.set(chunk.subarray(0, first), head);
      head += first;
      if (head === RING_BYTES) {
        announce(RING_BYTES);
        head = 0;
      }
      if (first < len) {
        ring.set(chunk.subarray(first), 0);
        head = len - first;
      }
      ringLedger.wrote(len);
      if (head - pending >= ANNOUNCE_BYTES) announce();
      return;
    }
    // Larger than the free part of the ring (a caller that did not wait, or a huge chunk): an exact
    // copy (cloning a view would copy its whole backing buffer), cloned to each worker, after what is
    // pending.
    announce();
    post({ id, op: "data", chunk: new Uint8Array(chunk) });
  };
  return {
    update(chunk) {
      if (failure) return Promise.reject(failure);
      here.update(chunk);
      inFlight.wrote(chunk.byteLength);
      send(chunk);
      if (inFlight.free >= 0) return undefined;
      // The caller waits for acknowledgements: the workers must have been told of every byte.
      announce();
      return new Promise<void>((go, stop) => {
        resume = { go, stop };
      });
    },
    digest() {
      if (failure) return Promise.reject(failure);
      return new Promise<Digested<A>>((done, stop) => {
        result = {
          done: () => {
            const digested = Object.assign(here.digest(), ...results) as Digested<A>;
            if (!fh) return done(digested);
            fh.close().then(() => done(digested), stop);
          },
          stop,
        };
        announce();
        post({ id, op: "end" });
      });
    },
    drop() {
      // The workers may still read queued parts of the ring for this stream; a stream that takes the
      // ring next may overwrite them, but this one's result is discarded.
      if (!closed) {
        close();
        post({ id, op: "drop" });
      }
      dropped ??= (async () => {
        if (!fh) return;
        await writerFinished;
        await fh.close().catch(() => {});
        await rm(options.file!, { force: true });
      })();
      return dropped;
    },
  };
}
