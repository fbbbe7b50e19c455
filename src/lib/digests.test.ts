import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { blake2b256, fileDigests } from "./digests.js";

describe("file digests", () => {
  it("computes BLAKE2b-256 as RFC 7693 defines it, not a truncated BLAKE2b-512", async () => {
    // Known vector: BLAKE2b with a 32-byte output over "abc".
    const expected = "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
    expect(await blake2b256("abc")).toBe(expected);
    const truncated512 = createHash("blake2b512").update("abc").digest("hex").slice(0, 64);
    expect(truncated512).not.toBe(expected);
  });

  it("gives sha256 and md5 as Node's crypto does", async () => {
    const bytes = Buffer.alloc(300_001);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const whole = await fileDigests(bytes);
    expect(whole.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(whole.md5).toBe(createHash("md5").update(bytes).digest("hex"));
  });
});
