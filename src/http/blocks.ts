import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { constants, crc32, deflateRaw } from "node:zlib";
import { type Rendered, renderedOffLoop } from "./render-cache.js";

/*
 * Large documents (packuments, PyPI indexes of long histories) gzipped and tagged block by block, so a
 * re-rendering after a write compresses and hashes only the blocks whose bytes changed (issue 15 item 2).
 * Gzipping a 5,000-version packument whole took 100–300 ms per write on this machine, and its sha256
 * another 20–40 ms, both growing with the history.
 *
 * How one gzip member is made of independently compressed blocks (RFC 1951/1952): each block is a raw
 * deflate stream ended with a sync flush (Z_SYNC_FLUSH: byte-aligned, last-block bit never set), so
 * their concatenation is one valid deflate stream; an empty final fixed-Huffman block (0x03 0x00) ends
 * it. A block that continues a run (labels "<run>:<n>") has its compressor primed with the last 32 KiB of
 * the block before it (a preset dictionary, as pigz does): the decoder holds those bytes in its window
 * already, so back-references into them are valid, and the blocks compress about as well as the whole
 * (without it, 128 KiB blocks of a 5,000-version packument gzipped 50% larger). Such a block is reused
 * only while the bytes it was primed with are the same too. The CRC-32
 * of the whole body is combined from the blocks' own CRCs (crc32Combine, as zlib's crc32_combine), the
 * length is the sum. The compressed bytes differ from gzipping the body whole, the decompressed bytes are
 * the same.
 *
 * The ETag is a sha256 over the blocks' sha256 digests and lengths: it changes whenever any byte does
 * (a changed block has a different digest) and is the same on every instance for the same bytes, as
 * long as they cut the document at the same places (the renderers cut it from its content only).
 */

const deflateRawAsync = promisify(deflateRaw);

/** One block of a document: its label (stable across renderings, e.g. "versions:3") and its parts. */
export interface Block {
  label: string;
  parts: Buffer[];
}

interface KeptBlock {
  /**
   * The block it was made from: a renderer that extends a document (extendBlocks) passes the same
   * Block object again for every block it did not touch, which is then reused without looking at it.
   */
  block: Block;
  /** The parts it was made of: the same Buffer objects again (kept fragments) mean the same bytes. */
  parts: Buffer[];
  /** Its bytes (its one part, or its parts joined once). */
  raw: Buffer;
  deflated: Buffer;
  /** What its compressor was primed with: the end of the block before it in the same run, or nothing. */
  dictionary: Buffer;
  crc: number;
  /** Its length (8 bytes, big-endian) and sha256: what the ETag hashes for it (etagOf). */
  tag: Buffer;
}

/** A document's blocks as rendered last, and the CRC-32 of the body up to the end of each. */
interface KeptDoc {
  blocks: Map<string, KeptBlock>;
  ordered: KeptBlock[];
  crcs: number[];
  bytes: number;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03]);
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);
const EMPTY = Buffer.alloc(0);
/** Deflate's window: how far back a block's compressor may refer into the block before it. */
const WINDOW = 32 * 1024;

/** Below this the whole body is gzipped and hashed at once (rendered(): small, cheap, same as before). */
export const BLOCKED_BYTES = 64 * 1024;

/**
 * A block closes once it holds this many bytes: at most this much is recompressed and hashed per
 * changed block. 32 KiB, deflate's window: each block is primed with the whole block before it, so the
 * gzip is as small as with 128 KiB blocks, and an append recompresses a quarter as much (at 128 KiB the
 * thread pool's deflates were most of a 5,000-version re-render's wait).
 */
export const BLOCK_TARGET_BYTES = 32 * 1024;

/**
 * Cuts a run of parts into blocks labelled `<prefix>:<n>`: a block closes after the part that brings
 * it to BLOCK_TARGET_BYTES. The cuts depend only on the parts before them, so appending parts leaves
 * every earlier block as it was (and its compression reusable).
 */
export function cutBlocks(prefix: string, parts: Buffer[], target = BLOCK_TARGET_BYTES, first = 0): Block[] {
  const out: Block[] = [];
  let current: Buffer[] = [];
  let bytes = 0;
  for (const p of parts) {
    current.push(p);
    bytes += p.length;
    if (bytes >= target) {
      out.push({ label: `${prefix}:${first + out.length}`, parts: current });
      current = [];
      bytes = 0;
    }
  }
  if (current.length) out.push({ label: `${prefix}:${first + out.length}`, parts: current });
  return out;
}

/**
 * The blocks `cutBlocks(prefix, [...all parts of blocks, ...more])` would make, without walking the
 * parts before the last block: cuts depend only on the parts before them, so every block but the last
 * is the same, and kept as the same Block object (renderBlocks then reuses it without looking at it).
 * An append to a long history costs what the appended parts and one block cost, not the history.
 */
export function extendBlocks(
  prefix: string,
  blocks: Block[],
  more: Buffer[],
  target = BLOCK_TARGET_BYTES,
): Block[] {
  const last = blocks.at(-1);
  if (!last) return cutBlocks(prefix, more, target);
  return [...blocks.slice(0, -1), ...cutBlocks(prefix, [...last.parts, ...more], target, blocks.length - 1)];
}

/**
 * Blocks of the documents rendered last, by document key, so the next rendering of the same document
 * reuses the compression of every block whose bytes are identical (compared byte for byte: what is
 * kept is only ever a faster way to the same bytes). Least recently rendered documents go first beyond
 * the byte budget.
 */
export class BlockStore {
  private docs = new Map<string, KeptDoc>();
  private bytes = 0;
  /** Blocks compressed anew, for tests and metrics. */
  compressed = 0;
  /** Blocks reused as the same Block object (extendBlocks), without comparing their parts. */
  reusedWhole = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  take(key: string): KeptDoc | undefined {
    const d = this.docs.get(key);
    if (!d) return undefined;
    this.docs.delete(key);
    this.bytes -= d.bytes;
    return d;
  }

  put(key: string, doc: Omit<KeptDoc, "bytes">): void {
    this.take(key);
    let bytes = 0;
    for (const b of doc.ordered) bytes += b.raw.length + b.deflated.length;
    this.docs.set(key, { ...doc, bytes });
    this.bytes += bytes;
    for (const [k, d] of this.docs) {
      if (this.bytes <= this.maxBytes) break;
      this.docs.delete(k);
      this.bytes -= d.bytes;
    }
  }

  size(): { docs: number; bytes: number } {
    return { docs: this.docs.size, bytes: this.bytes };
  }
}

/**
 * The document made of these blocks, rendered: body, gzip and ETag. With a store, blocks whose bytes
 * are the same as in the last rendering of `key` are neither compressed nor hashed again; new ones are
 * compressed in libuv's thread pool. Bodies under BLOCKED_BYTES are rendered whole (renderedOffLoop).
 */
export async function renderBlocks(
  store: BlockStore | undefined,
  key: string,
  blocks: Block[],
  contentType: string,
): Promise<Rendered> {
  const old = store?.take(key);
  // A block passed again as the same object (extendBlocks) is the kept one: its length is known.
  let length = 0;
  for (const b of blocks) {
    const prev = old?.blocks.get(b.label);
    if (prev?.block === b) length += prev.raw.length;
    else for (const p of b.parts) length += p.length;
  }
  if (length < BLOCKED_BYTES)
    return renderedOffLoop(Buffer.concat(blocks.flatMap((b) => b.parts)), contentType);
  const next = new Map<string, KeptBlock>();
  const ordered: KeptBlock[] = [];
  const fresh: Array<Promise<void>> = [];
  // The block before in the same run: its raw bytes prime the next one's compressor, and whether it was
  // reused whole (then the next one's dictionary is the one it was compressed with).
  let before = null as { run: string; raw: Buffer; whole: boolean } | null;
  for (const b of blocks) {
    const prev = old?.blocks.get(b.label);
    const run = b.label.replace(/:\d+$/, "");
    const continues = before?.run === run;
    if (prev?.block === b && (!continues || before?.whole)) {
      if (store) store.reusedWhole++;
      before = { run, raw: prev.raw, whole: true };
      next.set(b.label, prev);
      ordered.push(prev);
      continue;
    }
    // Parts that are the very buffers of the last rendering (kept fragments) are the same bytes: no
    // copy, no comparison. Only the blocks with a new part are joined (at most BLOCK_TARGET_BYTES each).
    const raw = prev && sameParts(prev.parts, b.parts) ? prev.raw : join(b.parts);
    if (raw.length === 0) continue;
    const dictionary =
      continues && before ? before.raw.subarray(Math.max(0, before.raw.length - WINDOW)) : EMPTY;
    before = { run, raw, whole: false };
    let kept: KeptBlock;
    if (prev && (prev.raw === raw || prev.raw.equals(raw)) && sameBytes(prev.dictionary, dictionary)) {
      kept = { ...prev, block: b, parts: b.parts, raw, dictionary };
    } else {
      const digest = createHash("sha256").update(raw).digest();
      const tag = Buffer.alloc(40);
      tag.writeBigUInt64BE(BigInt(raw.length));
      digest.copy(tag, 8);
      kept = { block: b, parts: b.parts, raw, deflated: EMPTY, dictionary, crc: crc32(raw), tag };
      const opts = {
        level: 6,
        finishFlush: constants.Z_SYNC_FLUSH,
        ...(dictionary.length ? { dictionary } : {}),
      };
      const k = kept;
      fresh.push(
        deflateRawAsync(raw, opts).then((d) => {
          k.deflated = d;
        }),
      );
    }
    next.set(b.label, kept);
    ordered.push(kept);
  }
  await Promise.all(fresh);
  const crcs = crcsOf(ordered, old);
  if (store) {
    store.compressed += fresh.length;
    store.put(key, { blocks: next, ordered, crcs });
  }
  const chunks = ordered.map((b) => b.raw);
  let body: Buffer | undefined;
  return {
    get body() {
      body ??= Buffer.concat(chunks, length);
      return body;
    },
    chunks,
    length,
    gzip: gzipOf(ordered, crcs.at(-1) ?? 0, length),
    etag: etagOf(ordered),
    contentType,
  };
}

const join = (parts: Buffer[]): Buffer => (parts.length === 1 ? parts[0]! : Buffer.concat(parts));

function sameParts(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Views of the same memory are the same bytes without reading them; anything else is compared. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  return a.equals(b);
}

/**
 * The CRC-32 of the body up to the end of each block. Up to the first block that is not the very one
 * kept at the same place last time, the kept values hold; only the rest are combined (an append
 * combines the last few, not the whole history).
 */
function crcsOf(blocks: KeptBlock[], old: KeptDoc | undefined): number[] {
  const crcs: number[] = [];
  let same = 0;
  if (old)
    while (same < blocks.length && same < old.ordered.length && blocks[same] === old.ordered[same]) same++;
  let crc = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    crc = i < same ? old!.crcs[i]! : crc32Combine(crc, b.crc, b.raw.length);
    crcs.push(crc);
  }
  return crcs;
}

function gzipOf(blocks: KeptBlock[], crc: number, length: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...blocks.map((b) => b.deflated), FINAL_EMPTY_BLOCK, trailer]);
}

/** sha256 over "blocks\0" and each block's length (8 bytes, big-endian) and sha256 digest. */
function etagOf(blocks: KeptBlock[]): string {
  const h = createHash("sha256").update("blocks\0");
  h.update(Buffer.concat(blocks.map((b) => b.tag)));
  return `"${h.digest("base64url").slice(0, 27)}"`;
}

// ---- CRC-32 combination (the polynomial arithmetic zlib's crc32_combine uses) ------------------------

const POLY = 0xedb88320;

/** a(x) * b(x) modulo the CRC-32 polynomial, bit-reflected. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let bb = b >>> 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = bb & 1 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

/** x^(2^n) modulo the polynomial, n = 0..31. */
const X2N: number[] = (() => {
  const t: number[] = [];
  let p = 0x40000000; // x^1
  for (let n = 0; n < 32; n++) {
    t.push(p);
    p = multModP(p, p);
  }
  return t;
})();

/** x^(n * 2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  let rest = n;
  let kk = k;
  while (rest > 0) {
    if (rest % 2 === 1) p = multModP(X2N[kk & 31]!, p);
    rest = Math.floor(rest / 2);
    kk++;
  }
  return p;
}

/** CRC-32 of A followed by B, from CRC(A), CRC(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
