import { parentPort } from "node:worker_threads";
import { type Algorithm, createHashers } from "./hashers.js";

/*
 * A digest worker: the share of an upload's digests that digest-pool.ts gives it (md5 in one worker and
 * BLAKE2b-256 in the other for a twine upload, for instance) while the server's thread parses the body
 * and writes the spool file, so a big upload is hashed on every core instead of one (issue 15: the
 * digests in a row on the event loop capped uploads at about a third of the disk's speed, and every
 * other request waited behind them). Chunks of one upload arrive in order on one port.
 */
export type DigestRequest =
  | { id: number; op: "start"; ring: SharedArrayBuffer; algorithms: Algorithm[] }
  /** The next bytes of the stream are ring[offset, offset + length): hash them, then acknowledge. */
  | { id: number; op: "ring"; offset: number; length: number }
  | { id: number; op: "data"; chunk: Uint8Array }
  | { id: number; op: "end" }
  | { id: number; op: "drop" };
export type DigestReply =
  /** `ring`: the acknowledged bytes were in the shared ring, which the sender may reuse once every worker has acknowledged them. */
  | { id: number; op: "ack"; bytes: number; ring: boolean }
  /** Hex digests of the algorithms the stream was started with. */
  | { id: number; op: "digest"; digests: Partial<Record<Algorithm, string>> }
  | { id: number; op: "error"; error: string };

type Hashers = Awaited<ReturnType<typeof createHashers>>;

interface Stream {
  ring: SharedArrayBuffer;
  hashers: Promise<Hashers>;
  /** Updates wait for the hashers (created asynchronously) and stay in arrival order. */
  chain: Promise<unknown>;
}

if (!parentPort) throw new Error("digest worker: must run in a worker thread");
const port = parentPort;
const streams = new Map<number, Stream>();

const fail = (id: number, e: unknown) => {
  streams.delete(id);
  port.postMessage({ id, op: "error", error: String(e) } satisfies DigestReply);
};

port.on("message", (m: DigestRequest) => {
  if (m.op === "start") {
    const hashers = createHashers(m.algorithms);
    streams.set(m.id, { ring: m.ring, hashers, chain: hashers });
    return;
  }
  const s = streams.get(m.id);
  if (!s) return;
  if (m.op === "drop") {
    streams.delete(m.id);
    return;
  }
  if (m.op === "data" || m.op === "ring") {
    const ring = m.op === "ring";
    // A view of the shared ring: the sender does not write there again before every worker acknowledged.
    const chunk = ring ? new Uint8Array(s.ring, m.offset, m.length) : m.chunk;
    s.chain = s.chain
      .then(async () => {
        (await s.hashers).update(chunk);
        port.postMessage({ id: m.id, op: "ack", bytes: chunk.byteLength, ring } satisfies DigestReply);
      })
      .catch((e) => fail(m.id, e));
    return;
  }
  s.chain = s.chain
    .then(async () => {
      streams.delete(m.id);
      const reply: DigestReply = { id: m.id, op: "digest", digests: (await s.hashers).digest() };
      port.postMessage(reply);
    })
    .catch((e) => fail(m.id, e));
});
port.postMessage("ready");
