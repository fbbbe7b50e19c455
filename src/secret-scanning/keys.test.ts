import { describe, expect, it } from "vitest";
import { parseInlineKeys } from "./keys.js";
import { checkSignature, ScanningKeys } from "./source.js";
import { scannerKey } from "./test-helpers.js";

// The example in GitHub's partner-program documentation (key, its identifier, a payload and its
// signature): what GitHub really sends must pass, byte for byte, and the identifier of a bare PEM must
// come out as GitHub's.
const GITHUB_PEM = [
  "-----BEGIN PUBLIC KEY-----",
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq",
  "kCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==",
  "-----END PUBLIC KEY-----",
].join("\n");
const GITHUB_ID = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";
const PAYLOAD = '[{"token":"some_token","type":"some_type","url":"some_url"}]';
const SIGNATURE =
  "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc=";

describe("secret scanning keys", () => {
  it("names a bare PEM key as GitHub does and verifies GitHub's documented example", async () => {
    const keys = parseInlineKeys(GITHUB_PEM);
    expect(keys.map((k) => k.id)).toEqual([GITHUB_ID]);
    const source = new ScanningKeys({ keys });
    await expect(
      checkSignature(source, 0, GITHUB_ID, SIGNATURE, Buffer.from(PAYLOAD)),
    ).resolves.toBeUndefined();
    // One space more (re-serialised JSON) and it no longer verifies: the raw body is what is signed.
    await expect(
      checkSignature(source, 0, GITHUB_ID, SIGNATURE, Buffer.from(PAYLOAD.replace(",", ", "))),
    ).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
  });

  it("reads GitHub's JSON list inline, and PEMs written on one line with \\n", () => {
    const k = scannerKey();
    const json = JSON.stringify({ public_keys: [{ key_identifier: "abc", key: k.pem, is_current: true }] });
    expect(parseInlineKeys(json).map((x) => x.id)).toEqual(["abc"]);
    expect(parseInlineKeys(GITHUB_PEM.replace(/\n/g, "\\n")).map((x) => x.id)).toEqual([GITHUB_ID]);
    expect(parseInlineKeys("  ")).toEqual([]);
  });

  it("refuses what cannot check a report: not PEM, not P-256, malformed JSON", () => {
    expect(() => parseInlineKeys("hello")).toThrow(/PEM/);
    expect(() => parseInlineKeys('{"public_keys": [')).toThrow(/JSON/);
    expect(() => parseInlineKeys('{"keys": []}')).toThrow(/public_keys/);
    expect(() =>
      parseInlineKeys("-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----"),
    ).toThrow(/not a PEM public key/);
  });
});
