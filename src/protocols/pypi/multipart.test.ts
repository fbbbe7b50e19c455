import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ByteSource } from "./byte-source.js";
import { MAX_HEADER_BYTES, MultipartError, MultipartReader, type Part } from "./multipart.js";

const B = "----wharf-boundary-7d2";
const LIMITS = { fieldBytes: 1024, parts: 1001, fields: 1000, files: 1 };

function field(name: string, value: string): string {
  return `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

function form(
  fields: [string, string][],
  file: Buffer | null,
  opts: { preamble?: string; epilogue?: string } = {},
) {
  return Buffer.concat([
    Buffer.from(opts.preamble ?? ""),
    Buffer.from(fields.map(([n, v]) => field(n, v)).join("")),
    file
      ? Buffer.concat([
          Buffer.from(
            `--${B}\r\nContent-Disposition: form-data; name="content"; filename="demo-1.0.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
          file,
          Buffer.from("\r\n"),
        ])
      : Buffer.alloc(0),
    Buffer.from(`--${B}--\r\n${opts.epilogue ?? ""}`),
  ]);
}

/** The body cut into chunks: at `cuts` offsets, or every `size` bytes. */
function chunked(body: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, body.length]) {
    if (c > at) out.push(body.subarray(at, c));
    at = Math.max(at, c);
  }
  return out;
}

/** Every part as plain data: fields' values, the file's bytes joined. */
async function read(chunks: Buffer[], boundary = B) {
  const reader = new MultipartReader(new ByteSource(Readable.from(chunks)), boundary, LIMITS);
  const parts: Array<{
    type: string;
    name?: string;
    value?: string;
    truncated?: boolean;
    data?: Buffer;
    filename?: string;
  }> = [];
  for (let p = await reader.next(); p; p = await reader.next()) {
    if (p.type === "field")
      parts.push({ type: "field", name: p.fieldname, value: p.value, truncated: p.valueTruncated });
    else {
      const got: Buffer[] = [];
      await p.file.pipeTo((c) => {
        got.push(Buffer.from(c));
        return undefined;
      });
      parts.push({ type: "file", name: p.fieldname, filename: p.filename, data: Buffer.concat(got) });
    }
  }
  return parts;
}

describe("the multipart reader", () => {
  // Lines that begin like the delimiter without being it (RFC 2046 §5.1.1: a sender picks a boundary
  // that does not occur in the data, so the whole "CRLF--boundary" never does).
  const fileBytes = Buffer.from(
    `PK\u0003\u0004 data\r\n--${B.slice(0, 10)} not a delimiter\r\n-${B}\r\n-- ${B}\n--${B}\r\r\n-`,
  );
  const body = form(
    [
      [":action", "file_upload"],
      ["name", "demo"],
    ],
    fileBytes,
  );
  const want = [
    { type: "field", name: ":action", value: "file_upload", truncated: false },
    { type: "field", name: "name", value: "demo", truncated: false },
    { type: "file", name: "content", filename: "demo-1.0.tar.gz", data: fileBytes },
  ];

  it("reads fields and the file whatever the chunking: a boundary split at every offset", async () => {
    for (let cut = 0; cut <= body.length; cut++) expect(await read(chunked(body, [cut]))).toEqual(want);
  });

  it("reads a body sent one byte at a time, and in two- and three-byte pieces", async () => {
    for (const size of [1, 2, 3]) {
      const cuts = Array.from({ length: Math.ceil(body.length / size) }, (_, i) => i * size);
      expect(await read(chunked(body, cuts))).toEqual(want);
    }
  });

  it("keeps boundary-looking lines inside the file: only CRLF, two dashes and the whole boundary end it", async () => {
    expect((await read([body]))[2]!.data).toEqual(fileBytes);
  });

  it("ignores a preamble and an epilogue", async () => {
    const withBoth = form([["name", "demo"]], null, {
      preamble: "This is the preamble.\r\n",
      epilogue: "This is the epilogue, --" + B,
    });
    expect(await read([withBoth])).toEqual([
      { type: "field", name: "name", value: "demo", truncated: false },
    ]);
  });

  it("takes a first delimiter with or without a CRLF before it, and transport padding after one", async () => {
    const padded = Buffer.from(
      `\r\n--${B} \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${B}--`,
    );
    expect(await read([padded])).toEqual([{ type: "field", name: "a", value: "1", truncated: false }]);
  });

  it("keeps CR and LF inside values, and an empty value", async () => {
    const b = form(
      [
        ["description", "line 1\r\nline 2\n\rline 3\r"],
        ["summary", ""],
      ],
      null,
    );
    expect(await read(chunked(b, [60, 61, 62]))).toEqual([
      { type: "field", name: "description", value: "line 1\r\nline 2\n\rline 3\r", truncated: false },
      { type: "field", name: "summary", value: "", truncated: false },
    ]);
  });

  it("reads many small fields", async () => {
    const fields = Array.from(
      { length: 900 },
      (_, i) => [`classifiers`, `Topic :: ${i}`] as [string, string],
    );
    const parts = await read(chunked(form(fields, null), [7, 4096, 65_536]));
    expect(parts.map((p) => p.value)).toEqual(fields.map(([, v]) => v));
  });

  it("marks a field longer than the limit as truncated, keeping only the limit's bytes", async () => {
    const [p] = await read([form([["description", "x".repeat(5000)]], null)]);
    expect(p).toMatchObject({ truncated: true, value: "x".repeat(LIMITS.fieldBytes) });
  });

  it("decodes UTF-8 in values and quoted names, and keeps a file name's base name only", async () => {
    const b = Buffer.from(
      `--${B}\r\ncontent-disposition: form-data; name="sum\\"mary"\r\n\r\nnaïve ☃\r\n` +
        `--${B}\r\nContent-Disposition: form-data; name=content; filename="../../etc/demo-1.0.tar.gz"\r\n\r\nx\r\n--${B}--`,
    );
    expect(await read([b])).toEqual([
      { type: "field", name: 'sum"mary', value: "naïve ☃", truncated: false },
      { type: "file", name: "content", filename: "demo-1.0.tar.gz", data: Buffer.from("x") },
    ]);
  });

  it("skips parts that are not form-data, and gives no name where the disposition has none", async () => {
    const b = Buffer.from(
      `--${B}\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n` +
        `--${B}\r\nContent-Disposition: attachment; name="x"\r\n\r\nnot form-data\r\n` +
        `--${B}\r\nContent-Disposition: form-data; nme="version"\r\n\r\n1.0\r\n--${B}--`,
    );
    expect(await read([b])).toEqual([{ type: "field", name: undefined, value: "1.0", truncated: false }]);
  });

  it("refuses a body without the final delimiter", async () => {
    const cut = body.subarray(0, body.length - 4);
    await expect(read(chunked(cut, [100]))).rejects.toThrow(/Unexpected end of form/);
    const none = Buffer.from(field("name", "demo"));
    await expect(read([none])).rejects.toThrow(MultipartError);
  });

  it("refuses a body cut off inside the file, telling the file's reader", async () => {
    await expect(read([body.subarray(0, body.length - 30)])).rejects.toThrow(/Unexpected end of form/);
  });

  it("refuses part headers longer than the limit, whatever the chunking", async () => {
    const long = Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${"p".repeat(MAX_HEADER_BYTES)}\r\n\r\n1\r\n--${B}--`,
    );
    await expect(read([long])).rejects.toThrow(/too long/);
    await expect(read(chunked(long, [50, 1000, 9000]))).rejects.toThrow(/too long/);
  });

  it("accepts part headers just under the limit", async () => {
    const pad = "p".repeat(MAX_HEADER_BYTES - 200);
    const b = Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${pad}\r\n\r\n1\r\n--${B}--`,
    );
    expect(await read(chunked(b, [3000]))).toEqual([
      { type: "field", name: "a", value: "1", truncated: false },
    ]);
  });

  it("refuses garbage after a delimiter, and a body for another boundary", async () => {
    await expect(read([Buffer.from(`--${B}junk\r\n\r\n`)])).rejects.toThrow(/Malformed part delimiter/);
    await expect(read([body], "not-the-one-used"), "never finds its delimiter").rejects.toThrow(
      /Unexpected end of form/,
    );
  });
});
