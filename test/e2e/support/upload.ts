import { randomBytes } from "node:crypto";
import { request } from "node:http";

/** The form fields twine sends before the file (fields first, so the server checks them first). */
export function twineFields(
  name: string,
  version: string,
  filename: string,
  sha256: string,
): Array<[string, string]> {
  const wheel = filename.endsWith(".whl");
  return [
    [":action", "file_upload"],
    ["protocol_version", "1"],
    ["metadata_version", "2.1"],
    ["name", name],
    ["version", version],
    ["filetype", wheel ? "bdist_wheel" : "sdist"],
    ["pyversion", wheel ? "py3" : "source"],
    ["sha256_digest", sha256],
  ];
}

export interface StreamingUpload {
  /** Bytes of the file part written to the socket so far. */
  sent(): number;
  /** Settles when the server answers (status and reason phrase) or the connection dies (error). */
  done: Promise<{ status: number; reason: string } | { error: string }>;
  /** Stop sending and drop the connection. */
  abort(): void;
}

/**
 * A multipart upload to /legacy/ over a raw node:http request with a Content-Length, as twine sends
 * it, whose file part is produced `chunkBytes` at a time every `intervalMs` (0: as fast as the socket
 * drains) by `chunk(i)`. Fields go first. Nothing is buffered whole, so it can stand for a large file.
 */
export function streamUpload(opts: {
  url: string;
  token: string;
  fields: Array<[string, string]>;
  filename: string;
  size: number;
  chunkBytes?: number;
  intervalMs?: number;
  chunk?: (offset: number, length: number) => Buffer;
}): StreamingUpload {
  const boundary = `----wharf-e2e-${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    opts.fields
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${opts.filename}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunkBytes = opts.chunkBytes ?? 1024 * 1024;
  const makeChunk = opts.chunk ?? ((_o: number, n: number) => randomBytes(n));
  let sent = 0;
  let stopped = false;
  const req = request(`${opts.url}/legacy/`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`__token__:${opts.token}`).toString("base64")}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": head.length + opts.size + tail.length,
    },
  });
  // After a kill the socket can report more than one error; only the first one matters.
  req.on("error", () => undefined);
  const done = new Promise<{ status: number; reason: string } | { error: string }>((resolve) => {
    req.once("response", (res) => {
      res.resume();
      res.once("end", () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? "" }));
    });
    req.once("error", (e) => resolve({ error: e.message }));
  });
  const pump = async () => {
    req.write(head);
    while (!stopped && sent < opts.size) {
      const n = Math.min(chunkBytes, opts.size - sent);
      const ok = req.write(makeChunk(sent, n));
      sent += n;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const go = () => {
            req.off("drain", go).off("close", go);
            resolve();
          };
          req.on("drain", go).on("close", go);
        });
      }
      if (opts.intervalMs) await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
    if (!stopped) req.end(tail);
  };
  void pump().catch(() => undefined);
  return {
    sent: () => sent,
    done,
    abort: () => {
      stopped = true;
      req.destroy();
    },
  };
}
