import { createHash } from "node:crypto";

/**
 * The digests a package file is known by: sha256 (PyPI, npm, RubyGems), md5 (PyPI's legacy field) and
 * BLAKE2b-256 (PyPI's `blake2_256_digest`, and the content-addressed blob path).
 *
 * BLAKE2b-256 comes from WebAssembly (hash-wasm): Node 20's OpenSSL 3.0 offers only `blake2b512`, whose
 * truncation is a *different* digest (the output length is a BLAKE2 parameter, RFC 7693 §2.5), and the
 * pure-JavaScript implementation ran at ~40 MB/s on the event loop against ~800 MB/s for this one
 * (bench/upload.mjs measures both in the upload path).
 */
export interface FileDigests {
  sha256: string;
  md5: string;
  blake2b256: string;
}

/** hash-wasm (~50 ms of CPU to import) is loaded by the first upload, not at start-up (issue 15). */
const hashWasm = () => import("hash-wasm");

/** BLAKE2b with a 256-bit output, hex (RFC 7693; PyPI's `blake2_256_digest`). */
export async function blake2b256(bytes: Uint8Array | string): Promise<string> {
  return (await hashWasm()).blake2b(bytes, 256);
}

/** The three digests of bytes already in memory. */
export async function fileDigests(bytes: Uint8Array): Promise<FileDigests> {
  return {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    md5: createHash("md5").update(bytes).digest("hex"),
    blake2b256: await blake2b256(bytes),
  };
}
