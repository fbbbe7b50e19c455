import { describe, expect, it } from "vitest";
import { decodeEncodedWords, decodeQuotedPrintable, parseMessage } from "./mime.js";

// Messages from other writers than our own nodemailer setup: base64 bodies, B words, CRLF lines.
describe("MIME reader", () => {
  it("decodes a base64 body with CRLF line endings to LF text without the final terminator", () => {
    const body = Buffer.from("Grüße\r\nhttps://h.test/a\r\n")
      .toString("base64")
      .replace(/(.{8})/g, "$1\r\n");
    const raw = `To: a@example.com\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}`;
    const parsed = parseMessage(Buffer.from(raw, "latin1"));
    expect(parsed.headers.get("to")).toBe("a@example.com");
    expect(parsed.text).toBe("Grüße\nhttps://h.test/a");
  });

  it("joins adjacent encoded words that split one multi-byte character", () => {
    const euro = Buffer.from("€");
    const first = `=?UTF-8?B?${euro.subarray(0, 2).toString("base64")}?=`;
    const second = `=?UTF-8?Q?=${euro[2]!.toString(16).toUpperCase()}_5?=`;
    expect(decodeEncodedWords(`Price: ${first}\r\n ${second} only`)).toBe("Price: € 5 only");
  });

  it("undoes soft line breaks and transport padding in quoted-printable", () => {
    expect(decodeQuotedPrintable(Buffer.from("ab=\r\ncd  \r\ne=3Df=\nx=ZZ")).toString()).toBe(
      "abcd\r\ne=fx=ZZ",
    );
  });
});
