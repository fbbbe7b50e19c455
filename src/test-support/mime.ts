/*
 * A deliberately small RFC 5322 / MIME reader for the single-part text/plain messages this feature
 * writes to the outbox (mailparser is not a dependency). It undoes what nodemailer may apply: header
 * folding, RFC 2047 encoded words, and 7bit/8bit/quoted-printable/base64 bodies.
 */

export interface ParsedMessage {
  /** Lower-cased header name -> decoded value of its first occurrence. */
  headers: Map<string, string>;
  text: string;
}

export function parseMessage(raw: Buffer): ParsedMessage {
  // Headers are ASCII by construction (non-ASCII goes into encoded words), so latin1 is lossless here
  // and keeps byte offsets equal to string offsets for slicing the body out of the Buffer.
  const asText = raw.toString("latin1");
  const split = /\r?\n\r?\n/.exec(asText);
  const headerBlock = split ? asText.slice(0, split.index) : asText;
  const body = split ? raw.subarray(split.index + split[0].length) : Buffer.alloc(0);

  const headers = parseHeaders(headerBlock);
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const charset = /charset="?([^";\s]+)"?/i.exec(headers.get("content-type") ?? "")?.[1] ?? "utf-8";
  const text = decodeCharset(decodeBody(body, encoding), charset);
  // RFC 2046 §4.1.1: text line breaks are CRLF on the wire whatever the sender's platform used. The
  // final one terminates the last line (compose.ts adds it), it is not part of the text.
  return { headers, text: text.replace(/\r\n/g, "\n").replace(/\n$/, "") };
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // RFC 5322 §2.2.3: a line break followed by whitespace is a fold, not the end of the field.
  const unfolded = block.replace(/\r?\n(?=[ \t])/g, "");
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeEncodedWords(line.slice(colon + 1).trim()));
  }
  return headers;
}

const ENCODED_WORD = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g;

/**
 * RFC 2047: decodes `=?charset?Q|B?...?=` words. Adjacent words are joined before charset decoding
 * because an encoder may split one multi-byte character across two words, and the whitespace between
 * adjacent encoded words is not part of the text (§6.2).
 */
export function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, "$1");
  let out = "";
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const match of joined.matchAll(ENCODED_WORD)) {
    const [word, charsetSpec = "utf-8", kind = "Q", payload = ""] = match;
    // RFC 2231 §5 allows a language suffix: =?utf-8*en?Q?...?=
    const charset = charsetSpec.split("*")[0] ?? "utf-8";
    if (match.index > last || (pending && pending.charset !== charset)) flush();
    out += joined.slice(last, match.index);
    const bytes =
      kind.toUpperCase() === "B"
        ? Buffer.from(payload, "base64")
        : decodeQuotedPrintable(Buffer.from(payload.replace(/_/g, " "), "latin1"));
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = match.index + word.length;
  }
  flush();
  return out + joined.slice(last);
}

function decodeBody(body: Buffer, encoding: string): Buffer {
  if (encoding === "base64") return Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

/**
 * RFC 2045 §6.7: `=XX` is one byte, `=` at a line end is a soft break inserted to keep lines short
 * (undoing it is what keeps long URLs intact), and trailing whitespace on a line is transport padding.
 */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const text = input
    .toString("latin1")
    .replace(/[ \t]+(?=\r?\n|$)/g, "")
    .replace(/=\r?\n/g, "");
  const out = Buffer.alloc(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[length++] = Number.parseInt(hex, 16);
      i += 2;
    } else {
      // Lenient like common readers: a stray "=" is kept as a literal.
      out[length++] = text.charCodeAt(i);
    }
  }
  return out.subarray(0, length);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    // An unknown label: UTF-8 is what Wharf writes, so it is the best guess.
    return new TextDecoder("utf-8").decode(bytes);
  }
}
