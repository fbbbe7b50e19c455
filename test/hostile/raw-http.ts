import { connect } from "node:net";

/**
 * HTTP/1.1 over a bare socket, for requests fetch() will not send: lying Content-Length, broken chunked
 * framing, bodies cut short, invalid UTF-8 in header values. It also reads the reason phrase as sent
 * (twine shows only that).
 */
export interface RawAnswer {
  /** 0 when no status line came back. */
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: Buffer;
  /** A socket error (ECONNRESET, ...) seen before a complete answer, or "timeout". */
  error?: string;
}

export interface RawRequest {
  method: string;
  path: string;
  /** Header lines without the request line; Host and Connection: close are added unless given. */
  headers: Array<[string, string | Buffer]>;
  body: Buffer;
  /** Close our side after sending (a client that gives up in the middle of a body). */
  halfClose?: boolean;
  timeoutMs?: number;
}

function parseHead(
  buf: Buffer,
): { status: number; reason: string; headers: Record<string, string>; rest: Buffer } | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2] ?? "", headers, rest: buf.subarray(end + 4) };
}

/** Sends one request on a fresh connection and reads one answer (until its length, or until close). */
export function rawRequest(port: number, req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const head = parseHead(all);
      if (!head)
        return resolve({
          status: 0,
          reason: "",
          headers: {},
          body: Buffer.alloc(0),
          error: error ?? "no answer",
        });
      const length = Number(head.headers["content-length"] ?? Number.NaN);
      const body = Number.isFinite(length) ? head.rest.subarray(0, length) : head.rest;
      // An answer that arrived whole before a reset still counts as the answer the client saw.
      const whole = !Number.isFinite(length) || head.rest.length >= length;
      resolve({
        status: head.status,
        reason: head.reason,
        headers: head.headers,
        body,
        ...(whole ? {} : { error: error ?? "short answer" }),
      });
    };
    const timer = setTimeout(() => finish("timeout"), req.timeoutMs ?? 30_000);
    socket.on("data", (b: Buffer) => {
      chunks.push(b);
      const head = parseHead(Buffer.concat(chunks));
      if (head) {
        const length = Number(head.headers["content-length"] ?? Number.NaN);
        if (Number.isFinite(length) && head.rest.length >= length) finish();
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    socket.on("close", () => finish());
    socket.on("connect", () => {
      const names = new Set(req.headers.map(([k]) => k.toLowerCase()));
      const lines: Buffer[] = [Buffer.from(`${req.method} ${req.path} HTTP/1.1\r\n`)];
      if (!names.has("host")) lines.push(Buffer.from(`Host: 127.0.0.1:${port}\r\n`));
      if (!names.has("connection")) lines.push(Buffer.from("Connection: close\r\n"));
      for (const [k, v] of req.headers)
        lines.push(Buffer.concat([Buffer.from(`${k}: `), Buffer.from(v), Buffer.from("\r\n")]));
      lines.push(Buffer.from("\r\n"), req.body);
      socket.write(Buffer.concat(lines));
      if (req.halfClose) socket.end();
    });
  });
}
