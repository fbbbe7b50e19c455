import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { DigestReply, DigestRequest } from "./digest-worker.js";
import { type FileDigests, streamingDigests } from "./digests.js";

/**
 * The digests of an upload computed on two threads: sha256 here, md5 and BLAKE2b-256 in the digest
 * worker (digest-worker.ts). At most MAX_IN_FLIGHT bytes wait for the worker: past that, `update`
 * returns a promise and the caller's stream pauses, so a slow worker slows the upload down instead of
 * filling memory. When the worker cannot start, the digests are computed inline (slower, same result).
 */
export interface UploadDigests {
  /** Feed the next chunk; a promise means "wait before sending more". */
  update(chunk: Uint8Array): Promise<void> | undefined;
  digest(): Promise<FileDigests>;
  /** The upload failed: forget this stream. */
  drop(): void;
}

const MAX_IN_FLIGHT = 8 * 1024 * 1024;
/**
 * Each open stream has a shared ring this large: MAX_IN_FLIGHT plus room for the chunk that crosses
 * it (a caller that waits on update()'s promise never sends more than 2 MiB past the limit).
 */
const RING_BYTES = MAX_IN_FLIGHT + 2 * 1024 * 1024;
/** Idle rings kept for the next uploads (allocating 10 MiB of shared memory per upload is not free). */
const IDLE_RINGS = 4;
/** Ring bytes are announced to the worker once this many are waiting (and before any wait or end). */
const ANNOUNCE_BYTES = 1024 * 1024;
const START_TIMEOUT_MS = 30_000;
const READY_WAIT_MS = 100;
const RETRY_AFTER_MS = 60_000;

function workerUrl(): URL {
  // Under vitest this file is the .ts source, which Node 20 cannot run in a worker (see render/pool.ts).
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "./digest-worker-dev.mjs" : "./digest-worker.js", import.meta.url);
}

type Handler = (reply: DigestReply | { op: "error"; error: string }) => void;

class DigestWorker {
  private worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readonly handlers = new Map<number, Handler>();
  private nextId = 1;

  private failedAt = Number.NEGATIVE_INFINITY;

  /**
   * The running worker, or null while it is not there: an upload never waits more than READY_WAIT_MS for
   * it (on a loaded machine a worker takes seconds to start, and every upload paid up to the start
   * timeout), and after a failed start uploads hash inline for RETRY_AFTER_MS before it is tried again.
   */
  async get(): Promise<Worker | null> {
    if (this.worker) return this.worker;
    if (!this.starting && Date.now() - this.failedAt < RETRY_AFTER_MS) return null;
    this.starting ??= this.spawn().then((w) => {
      this.starting = null;
      if (!w) this.failedAt = Date.now();
      return w;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), READY_WAIT_MS);
    });
    const w = await Promise.race([this.starting, late]);
    clearTimeout(timer);
    return w;
  }

  /** Starts the worker ahead of the first upload; resolves once it runs (or could not start). */
  async warm(): Promise<boolean> {
    if (this.worker) return true;
    void this.get();
    return (await this.starting) !== null || this.worker !== null;
  }

  private spawn(): Promise<Worker | null> {
    return new Promise((resolve) => {
      const w = new Worker(workerUrl());
      const timer = setTimeout(() => {
        void w.terminate();
        resolve(null);
      }, START_TIMEOUT_MS);
      w.on("message", (m: "ready" | DigestReply) => {
        if (m === "ready") {
          clearTimeout(timer);
          // An idle worker must not keep the process alive (see render/pool.ts: only after "ready").
          w.unref();
          this.worker = w;
          resolve(w);
          return;
        }
        this.handlers.get(m.id)?.(m);
      });
      const gone = (why: string) => {
        clearTimeout(timer);
        if (this.worker === w) this.worker = null;
        resolve(null);
        for (const h of this.handlers.values()) h({ op: "error", error: why });
        this.handlers.clear();
      };
      w.on("error", (e) => gone(String(e)));
      w.on("exit", (code) => gone(`digest worker exited with ${code}`));
    });
  }

  /** While a stream is open the worker holds the process (an upload's answer is awaited from it). */
  open(handler: Handler): number {
    const id = this.nextId++;
    this.handlers.set(id, handler);
    this.worker?.ref();
    return id;
  }

  close(id: number): void {
    if (!this.handlers.delete(id)) return;
    if (this.handlers.size === 0) this.worker?.unref();
  }

  private readonly rings: Uint8Array[] = [];

  takeRing(): Uint8Array {
    return this.rings.pop() ?? new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  }

  returnRing(ring: Uint8Array): void {
    if (this.rings.length < IDLE_RINGS && !this.rings.includes(ring)) this.rings.push(ring);
  }
}

const shared = new DigestWorker();

async function inline(): Promise<UploadDigests> {
  const d = await streamingDigests();
  return {
    update: (chunk) => {
      d.update(chunk);
      return undefined;
    },
    digest: async () => d.digest(),
    drop: () => {},
  };
}

/**
 * Starts the digest worker so the first large upload already has it (at server start-up; tests and
 * benchmarks await it). Resolves to whether it runs.
 */
export function warmDigestWorker(): Promise<boolean> {
  return shared.warm();
}

export async function uploadDigests(): Promise<UploadDigests> {
  const worker = await shared.get();
  if (!worker) return inline();
  const sha256 = createHash("sha256");
  let inFlight = 0;
  let failure: Error | null = null;
  let resume: { go: () => void; stop: (e: Error) => void } | null = null;
  let result: { done: (d: { md5: string; blake2b256: string }) => void; stop: (e: Error) => void } | null =
    null;
  const id = shared.open((reply) => {
    if (reply.op === "ack") {
      inFlight -= reply.bytes;
      if (reply.ring) ringUsed -= reply.bytes;
      if (resume && inFlight <= MAX_IN_FLIGHT) {
        resume.go();
        resume = null;
      }
    } else if (reply.op === "digest") {
      finish();
      result?.done(reply);
    } else {
      failure = new Error(`Hashing the upload failed: ${reply.error}`);
      finish();
      resume?.stop(failure);
      result?.stop(failure);
    }
  });
  const post = (m: DigestRequest, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);
  const ring = shared.takeRing();
  let head = 0;
  let ringUsed = 0;
  post({ id, op: "start", ring: ring.buffer as SharedArrayBuffer });
  // Bytes copied into the ring but not yet announced to the worker: ring[pending, head).
  let pending = 0;
  const announce = (end = head) => {
    if (end > pending) post({ id, op: "ring", offset: pending, length: end - pending });
    pending = end === RING_BYTES ? 0 : end;
  };
  const send = (chunk: Uint8Array) => {
    const len = chunk.byteLength;
    if (ringUsed + len <= RING_BYTES) {
      // Copied into the shared ring and announced by offset, about once per MiB: messages carry no
      // bytes and are few. A transferred copy per socket chunk cost more in postMessage than hashing
      // the chunk did (thousands of messages for a 500 MiB twine upload).
      const first = Math.min(len, RING_BYTES - head);
      ring.set(chunk.subarray(0, first), head);
      head += first;
      ringUsed += first;
      if (head === RING_BYTES) {
        announce(RING_BYTES);
        head = 0;
      }
      if (first < len) {
        ring.set(chunk.subarray(first), 0);
        head = len - first;
        ringUsed += len - first;
      }
      if (head - pending >= ANNOUNCE_BYTES) announce();
      return;
    }
    // Larger than the free part of the ring (a caller that did not wait, or a huge chunk): an exact
    // copy, transferred (cloning a view would copy its whole backing buffer), after what is pending.
    announce();
    const copy = new Uint8Array(chunk);
    post({ id, op: "data", chunk: copy }, [copy.buffer]);
  };
  const finish = () => {
    shared.close(id);
    shared.returnRing(ring);
  };
  return {
    update(chunk) {
      if (failure) return Promise.reject(failure);
      sha256.update(chunk);
      inFlight += chunk.byteLength;
      send(chunk);
      if (inFlight <= MAX_IN_FLIGHT) return undefined;
      // The caller waits for acknowledgements: the worker must have been told of every byte.
      announce();
      return new Promise<void>((go, stop) => {
        resume = { go, stop };
      });
    },
    digest() {
      if (failure) return Promise.reject(failure);
      return new Promise<FileDigests>((done, stop) => {
        result = {
          done: (d) => done({ sha256: sha256.digest("hex"), md5: d.md5, blake2b256: d.blake2b256 }),
          stop,
        };
        announce();
        post({ id, op: "end" });
      });
    },
    drop() {
      // The worker may still read queued parts of the ring for this stream; a stream that takes the
      // ring next only writes where acknowledged bytes were, and this one's result is discarded.
      finish();
      post({ id, op: "drop" });
    },
  };
}
