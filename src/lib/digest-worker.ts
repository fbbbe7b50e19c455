import { createHash, type Hash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { createBLAKE2b, type IHasher } from "hash-wasm";

/*
 * The digest worker: md5 and BLAKE2b-256 of uploads run here while the server's thread computes
 * sha256 and writes the spool file, so a big upload is hashed on two cores instead of one (issue 15:
 * the three digests in a row on the event loop capped uploads at about a third of the disk's speed,
 * and every other request waited behind them). Chunks of one upload arrive in order on one port.
 */
export type DigestRequest =
  | { id: number; op: "start"; ring: SharedArrayBuffer }
  /** The next bytes of the stream are ring[offset, offset + length): hash them, then acknowledge. */
  | { id: number; op: "ring"; offset: number; length: number }
  | { id: number; op: "data"; chunk: Uint8Array }
  | { id: number; op: "end" }
  | { id: number; op: "drop" };
export type DigestReply =
  /** `ring`: the acknowledged bytes were in the shared ring, which the sender may now reuse. */
  | { id: number; op: "ack"; bytes: number; ring: boolean }
  | { id: number; op: "digest"; md5: string; blake2b256: string }
  | { id: number; op: "error"; error: string };

interface Stream {
  ring: SharedArrayBuffer;
  md5: Hash;
  b2: Promise<IHasher>;
  /** Updates wait for the hasher (created asynchronously) and stay in arrival order. */
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
    const b2 = createBLAKE2b(256).then((h) => {
      h.init();
      return h;
    });
    streams.set(m.id, { ring: m.ring, md5: createHash("md5"), b2, chain: b2 });
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
    // A view of the shared ring: the sender does not write there again before this acknowledgement.
    const chunk = ring ? new Uint8Array(s.ring, m.offset, m.length) : m.chunk;
    s.chain = s.chain
      .then(async () => {
        s.md5.update(chunk);
        (await s.b2).update(chunk);
        port.postMessage({ id: m.id, op: "ack", bytes: chunk.byteLength, ring } satisfies DigestReply);
      })
      .catch((e) => fail(m.id, e));
    return;
  }
  s.chain = s.chain
    .then(async () => {
      streams.delete(m.id);
      const blake2b256 = (await s.b2).digest("hex");
      const reply: DigestReply = { id: m.id, op: "digest", md5: s.md5.digest("hex"), blake2b256 };
      port.postMessage(reply);
    })
    .catch((e) => fail(m.id, e));
});
port.postMessage("ready");
