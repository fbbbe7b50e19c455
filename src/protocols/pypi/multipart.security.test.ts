import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ByteSource } from "./byte-source.js";
import { boundaryOf, MultipartLimit, MultipartReader, type Part } from "./multipart.js";

const B = "xyzzy";
const LIMITS = { fieldBytes: 1024, parts: 11, fields: 10, files: 1 };

async function drain(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, limits = LIMITS): Promise<Part[]> {
  const reader = new MultipartReader(new ByteSource(Readable.from(chunks)), B, limits);
  const parts: Part[] = [];
  for (let p = await reader.next(); p; p = await reader.next()) {
    if (p.type === "file") await p.file.pipeTo(() => undefined);
    parts.push(p);
  }
  return parts;
}

const part = (name: string, extra = "") =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\nv\r\n`;

describe("the multipart reader against hostile bodies", () => {
  it("stops at the fields limit and at the parts limit", async () => {
    const many = Buffer.from(`${part("f").repeat(11)}--${B}--`);
    await expect(drain([many])).rejects.toEqual(new MultipartLimit("fields"));
    const files = Buffer.from(
      `${part("f").repeat(9)}${part("a", '; filename="a"')}${part("b", '; filename="b"')}--${B}--`,
    );
    await expect(drain([files])).rejects.toEqual(new MultipartLimit("files"));
    const parts = Buffer.from(`${part("f").repeat(10)}${part("a", '; filename="a"')}${part("g")}--${B}--`);
    await expect(drain([parts], { ...LIMITS, fields: 100 })).rejects.toEqual(new MultipartLimit("parts"));
  });

  it("refuses an endless header block after reading at most the header limit", async () => {
    let sent = 0;
    async function* endless() {
      yield Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a"\r\nX: `);
      for (;;) {
        sent += 65_536;
        yield Buffer.alloc(65_536, 0x61);
      }
    }
    await expect(drain(endless())).rejects.toThrow(/too long/);
    expect(sent).toBeLessThanOrEqual(4 * 65_536);
  });

  it("keeps at most the field limit of a huge field in memory (then it is truncated)", async () => {
    async function* huge() {
      yield Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\n`);
      for (let i = 0; i < 200; i++) yield Buffer.alloc(65_536, 0x62);
      yield Buffer.from(`\r\n--${B}--`);
    }
    const [p] = await drain(huge());
    expect(p).toMatchObject({ type: "field", valueTruncated: true });
    expect((p as { value: string }).value.length).toBe(LIMITS.fieldBytes);
  });

  it("pauses the request while the file's reader is busy: at most two chunks wait", async () => {
    const body = new PassThrough();
    const reader = new MultipartReader(new ByteSource(body), B, LIMITS);
    body.write(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="c"; filename="f"\r\n\r\n`));
    const p = await reader.next();
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const piped = (p as Extract<Part, { type: "file" }>).file.pipeTo(() =>
      ++calls === 1 ? slow : undefined,
    );
    for (let i = 0; i < 20; i++) body.write(Buffer.alloc(16_384, 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    expect(body.isPaused()).toBe(true);
    release();
    body.end(Buffer.from(`\r\n--${B}--`));
    await piped;
    expect(calls).toBeGreaterThan(1);
  });

  it("ends the form only with the request: a body broken off after its final delimiter is refused", async () => {
    const body = new PassThrough();
    const reader = new MultipartReader(new ByteSource(body), B, LIMITS);
    body.write(Buffer.from(`${part("name")}--${B}--\r\n`));
    const first = await reader.next();
    expect(first).toMatchObject({ type: "field", fieldname: "name" });
    let settled = false;
    const end = reader.next().finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled, "the form is not complete before the request").toBe(false);
    body.destroy();
    await expect(end).rejects.toThrow(/aborted/);
  });

  it("refuses a boundary that is missing, empty or longer than RFC 2046's 70 characters", () => {
    for (const type of [
      "multipart/form-data",
      "multipart/form-data; boundary=",
      `multipart/form-data; boundary=${"b".repeat(71)}`,
    ])
      expect(() => boundaryOf(type), type).toThrow(/Boundary not found/);
    expect(boundaryOf('multipart/form-data; boundary="a b:c"')).toBe("a b:c");
    expect(boundaryOf("multipart/form-data; charset=utf-8; BOUNDARY=abc")).toBe("abc");
  });
});
