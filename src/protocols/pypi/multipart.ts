/**
 * A multipart/form-data reader (RFC 7578 over RFC 2046 §5.1) for the upload route, reading the request's
 * chunks itself. The file part's bytes are handed on as views of the socket's chunks, found with
 * Buffer.indexOf of the whole delimiter (native): with busboy, each 64 KiB chunk went through five
 * streams (the request, busboy's writable, its part parser, the file readable, the spool's transform)
 * before it was hashed, about 1.4 ms of the event loop per MiB of a twine upload (issue 15).
 *
 * What it accepts is what busboy accepted from twine: parts with `Content-Disposition: form-data`,
 * a part with a `filename` is a file (its base name kept), others are fields decoded as UTF-8; parts
 * without such a disposition are skipped; a preamble and an epilogue are ignored. What it refuses
 * (a MultipartError, which the route answers with a 400): no boundary, a body that ends before the
 * final delimiter, part headers over MAX_HEADER_BYTES, anything but white space after a delimiter.
 */
import type { ByteSource } from "./byte-source.js";

export class MultipartError extends Error {}

/** busboy's own limit was 80 KiB; twine's part headers are one line of ~100 bytes. */
export const MAX_HEADER_BYTES = 16 * 1024;

const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");
const CR = 0x0d;
const DASH = 0x2d;

export interface Limits {
  /** A field's value is collected up to this many bytes; longer ones are marked truncated. */
  fieldBytes: number;
  /** Parts in all, fields and files (more: a MultipartLimit "parts"). */
  parts: number;
  fields: number;
  files: number;
}

/** A limit of Limits crossed: the route answers with the matching refusal. */
export class MultipartLimit extends Error {
  constructor(readonly limit: "parts" | "fields" | "files") {
    super(`multipart ${limit} limit reached`);
  }
}

export type Part =
  | { type: "field"; fieldname: string | undefined; value: string; valueTruncated: boolean }
  | { type: "file"; fieldname: string | undefined; filename: string; file: FilePart };

/** The bytes of a file part: `pipeTo` must be called at most once, before the next part is asked for. */
export interface FilePart {
  /**
   * Calls `sink` with each chunk of the file, in order (views of the body's chunks: copy what must be
   * kept); a promise from `sink` holds the body until it settles. Resolves at the part's end; rejects
   * with a MultipartError when the body ends first, or with the sink's own error.
   */
  pipeTo(sink: (chunk: Buffer) => Promise<void> | undefined): Promise<void>;
}

/** The boundary parameter of a Content-Type header (RFC 2046 §5.1.1: 1-70 characters, maybe quoted). */
export function boundaryOf(contentType: string | undefined): string {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType ?? "");
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new MultipartError("Multipart: Boundary not found");
  return boundary;
}

function basename(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  return base === "." || base === ".." ? "" : base;
}

/** One parameter of a header value, unquoted (`name="a\"b"` → a"b); RFC 5987 `name*` is preferred. */
function param(header: string, key: string): string | undefined {
  const extended = new RegExp(`;\\s*${key}\\*\\s*=\\s*([\\w!#$&+.^\`|~-]+)'[^']*'([^;\\s]*)`, "i").exec(
    header,
  );
  if (extended && extended[1]!.toLowerCase() === "utf-8") {
    try {
      return decodeURIComponent(extended[2]!);
    } catch {
      // Not valid percent-encoding: fall back to the plain parameter.
    }
  }
  const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s"]+))`, "i").exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
}

interface PartHead {
  name: string | undefined;
  filename: string | undefined;
}

/** The part's Content-Disposition, or null when it has none or it is not form-data (the part is skipped). */
function parseHead(block: string): PartHead | null {
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== "content-disposition") continue;
    const value = line.slice(colon + 1).trim();
    if (!/^form-data\s*(;|$)/i.test(value)) return null;
    const filename = param(value, "filename");
    return { name: param(value, "name"), filename: filename === undefined ? undefined : basename(filename) };
  }
  return null;
}

export class MultipartReader {
  private readonly delimiter: Buffer;
  /** The chunk being read and the position in it. */
  private buf: Buffer;
  private pos = 0;
  /** Inside a part's body (its bytes not all read yet). */
  private inBody = false;
  private finished = false;
  private parts = 0;
  private fields = 0;
  private files = 0;

  constructor(
    private readonly source: ByteSource,
    boundary: string,
    private readonly limits: Limits,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
    // The first delimiter may open the body without the CRLF before it (RFC 2046 §5.1.1): as if it had one.
    this.buf = Buffer.from(CRLF);
    this.inBody = true;
  }

  /** The next part, or null after the final delimiter. */
  async next(): Promise<Part | null> {
    if (this.finished) return null;
    for (;;) {
      // The rest of the current part (the preamble, a skipped part, a file nobody read) is discarded.
      if (this.inBody) await this.readBody(() => undefined);
      if (await this.afterDelimiter()) {
        // The form is complete only with the request: a client whose body stops short of its
        // Content-Length after the final delimiter (it gave up, the connection broke) has its upload
        // refused, not stored behind its back. The epilogue is read and ignored.
        while (this.source.take() ?? (await this.source.wait()));
        this.finished = true;
        return null;
      }
      const head = parseHead(await this.readHeaders());
      this.inBody = true;
      if (!head) continue;
      if (++this.parts > this.limits.parts) throw new MultipartLimit("parts");
      if (head.filename !== undefined) {
        if (++this.files > this.limits.files) throw new MultipartLimit("files");
        let piped = false;
        const file: FilePart = {
          pipeTo: (sink) => {
            if (piped) return Promise.reject(new Error("a file part is read once"));
            piped = true;
            return this.readBody(sink);
          },
        };
        return { type: "file", fieldname: head.name, filename: head.filename, file };
      }
      if (++this.fields > this.limits.fields) throw new MultipartLimit("fields");
      const kept: Buffer[] = [];
      let size = 0;
      let valueTruncated = false;
      await this.readBody((chunk) => {
        const room = this.limits.fieldBytes - size;
        if (chunk.length > room) valueTruncated = true;
        const take = chunk.subarray(0, Math.max(0, room));
        if (take.length) kept.push(Buffer.from(take));
        size += take.length;
        return undefined;
      });
      return {
        type: "field",
        fieldname: head.name,
        value: Buffer.concat(kept).toString("utf8"),
        valueTruncated,
      };
    }
  }

  /** The current chunk has been read: the next one, or an error if the body ends here. */
  private async more(): Promise<void> {
    const chunk = this.source.take() ?? (await this.source.wait());
    if (!chunk) throw new MultipartError("Unexpected end of form");
    this.buf = chunk;
    this.pos = 0;
  }

  /**
   * Hands the part's bytes to `sink` up to the next delimiter, and consumes the delimiter. A chunk's
   * tail that may begin a delimiter is held back (copied, at most the delimiter's length) and read
   * again with the next chunk.
   */
  private async readBody(sink: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
    const delim = this.delimiter;
    for (;;) {
      if (this.pos >= this.buf.length) await this.more();
      const buf = this.buf;
      const at = buf.indexOf(delim, this.pos);
      if (at >= 0) {
        const data = buf.subarray(this.pos, at);
        this.pos = at + delim.length;
        this.inBody = false;
        if (data.length) await sink(data);
        return;
      }
      const keep = partialDelimiterAt(buf, Math.max(this.pos, buf.length - delim.length + 1), delim);
      const data = buf.subarray(this.pos, keep);
      const tail = keep < buf.length ? Buffer.from(buf.subarray(keep)) : null;
      this.pos = buf.length;
      if (data.length) {
        const wait = sink(data);
        if (wait) await wait;
      }
      if (tail) {
        await this.more();
        this.buf = Buffer.concat([tail, this.buf]);
      }
    }
  }

  /** After a delimiter: `--` ends the form (true); else optional white space and CRLF open a part. */
  private async afterDelimiter(): Promise<boolean> {
    let byte = await this.byte();
    if (byte === DASH) {
      if ((await this.byte()) !== DASH) throw new MultipartError("Malformed part delimiter");
      return true;
    }
    // RFC 2046's transport padding (busboy was as lenient), then the line's end.
    for (let padding = 0; byte === 0x20 || byte === 0x09; padding++) {
      if (padding > 1024) throw new MultipartError("Malformed part delimiter");
      byte = await this.byte();
    }
    if (byte !== CR || (await this.byte()) !== 0x0a) throw new MultipartError("Malformed part delimiter");
    return false;
  }

  private async byte(): Promise<number> {
    if (this.pos >= this.buf.length) await this.more();
    return this.buf[this.pos++]!;
  }

  /** The part's header block (without the blank line that ends it), at most MAX_HEADER_BYTES. */
  private async readHeaders(): Promise<string> {
    // The block is searched with the boundary line's CRLF in front, so an empty one is CRLF CRLF too.
    let block = Buffer.from(CRLF);
    for (;;) {
      if (this.pos >= this.buf.length) await this.more();
      const room = MAX_HEADER_BYTES + HEADERS_END.length - block.length;
      const take = this.buf.subarray(this.pos, this.pos + room);
      const before = block.length;
      block = Buffer.concat([block, take]);
      const end = block.indexOf(HEADERS_END);
      if (end >= 0) {
        this.pos += end + HEADERS_END.length - before;
        return block.toString("utf8", CRLF.length, Math.max(CRLF.length, end));
      }
      if (block.length >= MAX_HEADER_BYTES + HEADERS_END.length)
        throw new MultipartError("Malformed part header: too long");
      this.pos += take.length;
    }
  }
}

/** Where, from `from` on, the rest of `buf` is a beginning of `delim` (buf.length if nowhere). */
function partialDelimiterAt(buf: Buffer, from: number, delim: Buffer): number {
  for (let p = buf.indexOf(CR, from); p >= 0; p = buf.indexOf(CR, p + 1))
    if (buf.compare(delim, 0, buf.length - p, p) === 0) return p;
  return buf.length;
}
