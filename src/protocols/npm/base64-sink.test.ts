import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AttachmentSpool } from "./attachment-spool.js";
import { Base64Sink } from "./base64-sink.js";

/** A spool that keeps what it is given in memory: the sink's decoding is what is under test. */
function memorySpool() {
  const parts: Buffer[] = [];
  const spool = {
    valid: true,
    async write(b: Buffer) {
      parts.push(Buffer.from(b));
    },
    invalidate() {
      spool.valid = false;
    },
  };
  return { spool, bytes: () => Buffer.concat(parts) };
}

/** Feeds `text` to a sink in chunks of the given sizes (cycled), as a socket would deliver it. */
async function decode(text: string, sizes: number[]) {
  const { spool, bytes } = memorySpool();
  const sink = new Base64Sink(spool as unknown as AttachmentSpool);
  const src = Buffer.from(text, "latin1");
  for (let at = 0, k = 0; at < src.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    // Each chunk arrives inside a larger buffer, as the body reader hands the sink a range of it.
    const chunk = Buffer.concat([Buffer.from('{"x":"'), src.subarray(at, at + n), Buffer.from('"}')]);
    await sink.push(chunk, 6, 6 + Math.min(n, src.length - at));
    at += n;
  }
  await sink.end();
  return { valid: spool.valid, bytes: bytes() };
}

describe("streaming base64 decoding of an npm attachment", () => {
  it("decodes every length and every chunking to the bytes that were encoded", async () => {
    for (let len = 0; len < 40; len++) {
      const data = randomBytes(len);
      for (const sizes of [[1], [2, 3], [4], [5, 7, 1], [1000]]) {
        const out = await decode(data.toString("base64"), sizes);
        expect(out.valid, `length ${len}, chunks ${sizes}`).toBe(true);
        expect(out.bytes.equals(data), `length ${len}, chunks ${sizes}`).toBe(true);
      }
    }
  });

  it("decodes a megabyte split at odd places", async () => {
    const data = randomBytes(1024 * 1024 + 1);
    const out = await decode(data.toString("base64"), [65536, 65535, 3, 100_001]);
    expect(out.valid).toBe(true);
    expect(out.bytes.equals(data)).toBe(true);
  });

  it.each([
    ["base64url's dash", (s: string) => `${s.slice(0, 8)}-${s.slice(9)}`],
    ["base64url's underscore", (s: string) => `${s.slice(0, 400)}_${s.slice(401)}`],
    ["a space", (s: string) => `${s.slice(0, 12)} ${s.slice(13)}`],
    ["a character outside the alphabet", (s: string) => `${s.slice(0, 20)}!${s.slice(21)}`],
    ["padding in the middle", (s: string) => `${s.slice(0, 16)}=${s.slice(17)}`],
    ["three padding characters", (s: string) => `${s.slice(0, -4)}A===`],
    ["a length that is not a multiple of four", (s: string) => s.slice(0, -1)],
  ])("refuses %s, however the body is chunked", async (_what, spoil) => {
    const text = spoil(randomBytes(600).toString("base64"));
    for (const sizes of [[1], [7], [65536]]) {
      const out = await decode(text, sizes);
      expect(out.valid, `chunks ${sizes}`).toBe(false);
    }
  });
});
