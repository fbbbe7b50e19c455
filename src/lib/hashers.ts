import { createHash } from "node:crypto";

/**
 * The digests an upload can be asked for, and one streaming hasher per digest, used alike on the event
 * loop (digest-pool.ts) and in the digest workers (digest-worker.ts).
 *
 * BLAKE2b-256 comes from WebAssembly (hash-wasm): Node 20's OpenSSL 3.0 offers only `blake2b512`, whose
 * truncation is a *different* digest (the output length is a BLAKE2 parameter, RFC 7693 §2.5).
 */
export type Algorithm = "sha256" | "md5" | "blake2b256" | "sha512" | "sha1";

/** Hex digests by algorithm. */
export type Digested<A extends Algorithm> = Record<A, string>;

export interface Hasher {
  update(chunk: Uint8Array): void;
  /** Lower-case hex. */
  digest(): string;
}

/**
 * CPU per MiB on one quiet core of the 2-core VM the benchmarks run on (Node 20, 1 MiB chunks; Node's
 * crypto with SHA-NI for sha256/sha1, hash-wasm for BLAKE2b-256). The digest pool spreads an upload's
 * algorithms over threads by these weights.
 */
export const COST_MS_PER_MIB: Record<Algorithm, number> = {
  sha256: 0.65,
  sha1: 0.6,
  md5: 1.5,
  blake2b256: 1.4,
  sha512: 1.35,
};

/**
 * Writing a MiB of an upload to its spool file with writeSync (page cache, 1 MiB at a time), on the
 * digest worker that writes it: planDigests counts it like a digest.
 */
export const WRITE_MS_PER_MIB = 0.4;

/** hash-wasm (~50 ms of CPU to import) is loaded by the first upload, not at start-up (issue 15). */
const hashWasm = () => import("hash-wasm");

export async function createHasher(algorithm: Algorithm): Promise<Hasher> {
  if (algorithm === "blake2b256") {
    const h = await (await hashWasm()).createBLAKE2b(256);
    h.init();
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest("hex") };
  }
  const h = createHash(algorithm);
  return { update: (chunk) => void h.update(chunk), digest: () => h.digest("hex") };
}

/** Several hashers fed the same chunks. */
export async function createHashers<A extends Algorithm>(
  algorithms: readonly A[],
): Promise<{ update(chunk: Uint8Array): void; digest(): Digested<A> }> {
  const hashers = await Promise.all(algorithms.map(createHasher));
  return {
    update(chunk) {
      for (const h of hashers) h.update(chunk);
    },
    digest: () => Object.fromEntries(algorithms.map((a, i) => [a, hashers[i]!.digest()])) as Digested<A>,
  };
}
