import type { AttachmentSpool } from "./attachment-spool.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INVALID = 255;
const DECODE = new Uint8Array(256).fill(INVALID);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;

/** True when `byte` occurs in src[start, end). */
function occursIn(src: Buffer, byte: number, start: number, end: number): boolean {
  const at = src.indexOf(byte, start);
  return at >= 0 && at < end;
}
/** Decoded bytes are collected up to this size before one file write and one hash update. */
const WRITE_BATCH = 512 * 1024;

/**
 * Streaming base64 → bytes, straight from the body's bytes (no strings: converting each chunk to a
 * string, testing it with a regular expression and decoding it again cost twice the CPU of the hashing),
 * with RFC 4648 §4 rules as the whole-body decoder had them: the standard alphabet only, at most two '='
 * and only at the very end, a length that is a multiple of four. Anything else marks the spool invalid;
 * the caller answers with the message that fits the attachment.
 */
export class Base64Sink {
  /** Up to three characters' values not yet forming a quad. */
  private readonly quad = new Uint8Array(4);
  private held = 0;
  private chars = 0;
  private padding = 0;
  /** Decoded bytes not yet written: filled by decode(), handed to the spool whole by flush(). */
  private batch = Buffer.allocUnsafe(WRITE_BATCH);
  private used = 0;

  constructor(readonly spool: AttachmentSpool) {}

  async push(src: Buffer, start: number, end: number): Promise<void> {
    if (!this.spool.valid) return;
    let stop = end;
    if (this.padding === 0) {
      const eq = src.indexOf(PAD, start);
      if (eq >= 0 && eq < end) {
        stop = eq;
        this.padding = end - eq;
      }
    } else {
      // Padding began in an earlier chunk: only more '=' may follow.
      stop = start;
      this.padding += end - start;
    }
    if (this.padding > 0) {
      for (let i = stop; i < end; i++) if (src[i] !== PAD) return this.spool.invalidate();
      if (this.padding > 2) return this.spool.invalidate();
    }
    if (stop <= start) return;
    const room = Math.floor((this.held + stop - start) / 4) * 3 + 3;
    if (this.used + room > this.batch.length) await this.flush(room);
    if (!this.decode(src, start, stop)) return this.spool.invalidate();
  }

  /** Decodes whole quads into the output batch; false on a character outside the alphabet. */
  private decode(src: Buffer, start: number, stop: number): boolean {
    const q = this.quad;
    let i = start;
    // Finish a quad begun in an earlier chunk.
    while (this.held > 0 && this.held < 4 && i < stop) {
      const v = DECODE[src[i++]!]!;
      if (v === INVALID) return false;
      q[this.held++] = v;
    }
    const out = this.batch;
    let o = this.used;
    if (this.held === 4) {
      out[o++] = (q[0]! << 2) | (q[1]! >> 4);
      out[o++] = ((q[1]! & 15) << 4) | (q[2]! >> 2);
      out[o++] = ((q[2]! & 3) << 6) | q[3]!;
      this.held = 0;
    }
    const whole = i + (stop - i) - ((stop - i) % 4);
    if (whole > i) {
      // The whole quads go through Node's native decoder (~25x the table loop's speed here). It is
      // lenient where RFC 4648 is strict, so the strict rules are checked around it: it also accepts
      // base64url's '-' and '_' (refused here by a native search), and it skips any other character
      // outside the alphabet, which makes the output shorter than three bytes per quad.
      if (occursIn(src, DASH, i, whole) || occursIn(src, UNDERSCORE, i, whole)) return false;
      const n = ((whole - i) / 4) * 3;
      if (out.write(src.toString("latin1", i, whole), o, n, "base64") !== n) return false;
      o += n;
      i = whole;
    }
    for (; i < stop; i++) {
      const v = DECODE[src[i]!]!;
      if (v === INVALID) return false;
      q[this.held++] = v;
    }
    this.chars += stop - start;
    this.used = o;
    return true;
  }

  /**
   * Writes the batch, then reuses its buffer (the spool is done with it once write() resolved: it
   * copies it into the digest workers' ring); a larger one only when the next push needs `room`.
   */
  private async flush(room = 0): Promise<void> {
    const full = this.batch.subarray(0, this.used);
    this.used = 0;
    if (full.length) await this.spool.write(full);
    if (room > this.batch.length) this.batch = Buffer.allocUnsafe(room);
  }

  /** The closing quote: the last partial quad (2 or 3 characters before the padding) and the length rule. */
  async end(): Promise<void> {
    if (!this.spool.valid) return;
    if ((this.chars + this.padding) % 4 !== 0) return this.spool.invalidate();
    const q = this.quad;
    if (this.used + 2 > this.batch.length) await this.flush();
    const b = this.batch;
    if (this.held === 2 && this.padding === 2) b[this.used++] = (q[0]! << 2) | (q[1]! >> 4);
    else if (this.held === 3 && this.padding === 1) {
      b[this.used++] = (q[0]! << 2) | (q[1]! >> 4);
      b[this.used++] = ((q[1]! & 15) << 4) | (q[2]! >> 2);
    } else if (this.held !== 0 || this.padding !== 0) return this.spool.invalidate();
    await this.flush();
  }
}
