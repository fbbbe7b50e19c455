import { readlinkSync, writeSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { type Algorithm, createHashers } from "./hashers.js";

/*
 * A digest worker: the share of an upload's digests that digest-pool.ts gives it (md5 in one worker,
 * BLAKE2b-256 in another for a twine upload, for instance) while the server's thread parses the body,
 * so a big upload is hashed on every core instead of one (issue 15: the digests in a row on the event
 * loop capped uploads at about a third of the disk's speed, and every other request waited behind them).
 * One worker of each upload also writes the spool file (`fd`), straight from the shared ring: the event
 * loop then makes no file-system call per chunk (8,000 thread-pool writes and their callbacks for a
 * 500 MiB twine upload, the largest part of its CPU in the profile) and never waits for the disk.
 * Chunks of one upload arrive in order on one port.
 */
export type DigestRequest =
  /** `fd`: also write the stream's bytes to this open file (owned and closed by the sender). */
  | { id: number; op: "start"; ring: SharedArrayBuffer; algorithms: Algorithm[]; fd?: number }
  /** The next bytes of the stream are ring[offset, offset + length): hash them, then acknowledge. */
  | { id: number; op: "ring"; offset: number; length: number }
  | { id: number; op: "data"; chunk: Uint8Array }
  | { id: number; op: "end" }
  | { id: number; op: "drop" };
export type DigestReply =
  /** `ring`: the acknowledged bytes were in the shared ring, which the sender may reuse once every worker has acknowledged them. */
  | { id: number; op: "ack"; bytes: number; ring: boolean }
  /** Hex digests of the algorithms the stream was started with (and every byte is in the file). */
  | { id: number; op: "digest"; digests: Partial<Record<Algorithm, string>> }
  /** A writing stream was dropped: this worker will not touch its file descriptor again. */
  | { id: number; op: "dropped" }
  | { id: number; op: "error"; error: string };

type Hashers = Awaited<ReturnType<typeof createHashers>>;

interface Stream {
  ring: SharedArrayBuffer;
  hashers: Promise<Hashers>;
  /** Updates wait for the hashers (created asynchronously) and stay in arrival order. */
  chain: Promise<unknown>;
  fd: number | undefined;
  position: number;
  /**
   * Dropped or failed: queued updates do nothing. A write after the sender closed the descriptor could
   * land in whatever file the process opened next under the same number.
   */
  over: boolean;
}

if (!parentPort) throw new Error("digest worker: must run in a worker thread");
const port = parentPort;

/**
 * This thread's scheduling priority, below the event loop's: while a big upload is hashed, the cores
 * are busy, and every other request (a pip install's index page) waited behind the workers (issue 15:
 * `/simple/` during a twine upload went from 4 to 12 ms median when the digests moved to the workers).
 * The workers still get every cycle the event loop does not want. Linux: a thread is a task with its
 * own id, /proc/thread-self names it, and setpriority(2) on that id changes this thread only; elsewhere
 * nothing changes.
 */
const WORKER_NICENESS = 10;
function yieldToTheEventLoop(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICENESS);
  } catch {
    // No /proc (not Linux) or not allowed: the worker runs at the process's priority.
  }
}
yieldToTheEventLoop();
const streams = new Map<number, Stream>();

const fail = (id: number, s: Stream, e: unknown) => {
  if (s.over) return;
  s.over = true;
  streams.delete(id);
  port.postMessage({ id, op: "error", error: String(e) } satisfies DigestReply);
};

function writeAll(s: Stream, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.byteLength; ) {
    const n = writeSync(s.fd!, chunk, done, chunk.byteLength - done, s.position);
    done += n;
    s.position += n;
  }
}

port.on("message", (m: DigestRequest) => {
  if (m.op === "start") {
    const hashers = createHashers(m.algorithms);
    streams.set(m.id, { ring: m.ring, hashers, chain: hashers, fd: m.fd, position: 0, over: false });
    return;
  }
  const s = streams.get(m.id);
  if (!s) return;
  if (m.op === "drop") {
    streams.delete(m.id);
    s.over = true;
    // After every queued update (they now do nothing): the sender may close the file then.
    if (s.fd !== undefined)
      s.chain = s.chain.finally(() => port.postMessage({ id: m.id, op: "dropped" } satisfies DigestReply));
    return;
  }
  if (m.op === "data" || m.op === "ring") {
    const ring = m.op === "ring";
    // A view of the shared ring: the sender does not write there again before every worker acknowledged.
    const chunk = ring ? new Uint8Array(s.ring, m.offset, m.length) : m.chunk;
    s.chain = s.chain
      .then(async () => {
        const hashers = await s.hashers;
        if (s.over) return;
        hashers.update(chunk);
        if (s.fd !== undefined) writeAll(s, chunk);
        port.postMessage({ id: m.id, op: "ack", bytes: chunk.byteLength, ring } satisfies DigestReply);
      })
      .catch((e) => fail(m.id, s, e));
    return;
  }
  s.chain = s.chain
    .then(async () => {
      const hashers = await s.hashers;
      if (s.over) return;
      streams.delete(m.id);
      s.over = true;
      port.postMessage({ id: m.id, op: "digest", digests: hashers.digest() } satisfies DigestReply);
    })
    .catch((e) => fail(m.id, s, e));
});
port.postMessage("ready");
